"""`Forwarder`: delivers mapped batches to Heap over one requests.Session, within the limits.

Synchronous and single-threaded. Requests wait in lanes, one lane per (limit family, app, identity),
first in, first out, so an identity's events keep their order on each endpoint while other lanes
go ahead when one waits for its window, its Retry-After or its backoff. A heap of lane heads keyed
by the earliest time each could go picks the next request; that time is re-checked when it comes
up, since sending others in the meantime can only have pushed it later.

Every mapped Heap event ends up either delivered or in a `FailedRequest`: none is lost silently.
Retries resend the same body, idempotency keys and all, so Heap never counts an event twice.
Time is injected (`clock`, `sleep`, `rng`), so tests cross minutes of windows in milliseconds.
"""

from __future__ import annotations

import heapq
import json
import random
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import requests

from forwarder.mapping import map_batch
from forwarder.model import BatchRejected, HeapRequest, SkippedEvent
from forwarder.pacing import Demand, Limit, Pacer, demands_of
from forwarder.retry import RetryPolicy, Verdict, verdict_for_status
from forwarder.settings import Settings

DEFAULT_TIMEOUT = (3.05, 10.0)  # connect, read (seconds)
# How many batches are scheduled together: enough for other identities to fill one identity's waits,
# few enough that results stream out and memory stays flat on long inputs.
CHUNK_BATCHES = 500
CHUNK_REQUESTS = 20_000
_RETRYABLE_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


@dataclass(frozen=True)
class FailedRequest:
    """A Heap request that could not be delivered, with the last reason and how often it was tried."""

    request: HeapRequest
    status: int | None
    reason: str
    attempts: int

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.request.path,
            "heap_events": self.request.heap_events,
            "status": self.status,
            "reason": self.reason,
            "attempts": self.attempts,
        }


@dataclass(frozen=True)
class BatchResult:
    """What became of one input batch: delivered, skipped, failed, or rejected as broken."""

    index: int
    events_in: int = 0
    heap_events_delivered: int = 0
    requests_delivered: int = 0
    skipped: tuple[SkippedEvent, ...] = ()
    failed: tuple[FailedRequest, ...] = ()
    rejected: str | None = None

    @property
    def ok(self) -> bool:
        """Everything that should have been delivered was (skips are not failures)."""
        return not self.failed and self.rejected is None


@dataclass
class DeliveryStats:
    """Counters over a forwarder's life, for the CLI summary and the benchmarks."""

    attempts: int = 0
    delivered_requests: int = 0
    throttled: int = 0
    retries: int = 0
    slept_s: float = 0.0


@dataclass
class _Pending:
    seq: int
    request: HeapRequest
    demands: list[Demand]
    not_before: float = 0.0
    attempts: int = 0
    failures: int = 0
    throttles: int = 0
    last_status: int | None = None
    last_reason: str = ""


@dataclass(frozen=True)
class _Answer:
    verdict: Verdict
    status: int | None
    message: str
    retry_after: str | None = None


@dataclass
class _Chunk:
    """Batches mapped and waiting to be scheduled together."""

    results: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[int, HeapRequest]] = field(default_factory=list)


class Forwarder:
    """Maps and delivers mParticle batches to one Heap endpoint (`heap_url`, e.g. https://heapanalytics.com)."""

    def __init__(
        self,
        settings: Settings,
        heap_url: str,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        max_attempts: int = 6,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        rng: random.Random | None = None,
        retry: RetryPolicy | None = None,
        limits: dict[str, Limit] | None = None,
        on_request: Callable[[HeapRequest, int | None], None] | None = None,
        headers_for: Callable[[HeapRequest], Mapping[str, str]] | None = None,
    ) -> None:
        self.settings = settings
        self.heap_url = heap_url.rstrip("/")
        self.session = session or requests.Session()
        self.clock = clock or time.monotonic
        self.sleep = sleep or time.sleep
        self.timeout = timeout
        self.rng = rng or random.Random()
        self.retry = retry or RetryPolicy(max_attempts=max_attempts)
        self.pacer = Pacer(limits)
        self.stats = DeliveryStats()
        self.on_request = on_request
        self.headers_for = headers_for  # extra headers per request, e.g. the front's lineage link

    # --- batches ---------------------------------------------------------------------------------
    def forward(self, batch: Any) -> BatchResult:
        """Map and deliver one batch."""
        return next(self.forward_iter([batch]))

    def forward_many(self, batches: Iterable[Any]) -> list[BatchResult]:
        """Map and deliver many batches; one result per batch, in input order."""
        return list(self.forward_iter(batches))

    def forward_iter(self, batches: Iterable[Any]) -> Iterator[BatchResult]:
        """Results as each chunk of batches is delivered, so long inputs stream."""
        chunk = _Chunk()
        for index, batch in enumerate(batches):
            self._add_to_chunk(chunk, index, batch)
            if len(chunk.results) >= CHUNK_BATCHES or len(chunk.requests) >= CHUNK_REQUESTS:
                yield from self._deliver_chunk(chunk)
                chunk = _Chunk()
        if chunk.results:
            yield from self._deliver_chunk(chunk)

    def _add_to_chunk(self, chunk: _Chunk, index: int, batch: Any) -> None:
        slot = len(chunk.results)
        try:
            mapped = map_batch(batch, self.settings)
        except BatchRejected as error:
            chunk.results.append({"index": index, "rejected": str(error)})
            return
        chunk.results.append({"index": index, "events_in": mapped.events_in, "skipped": mapped.skipped})
        chunk.requests += [(slot, request) for request in mapped.requests]

    def _deliver_chunk(self, chunk: _Chunk) -> Iterator[BatchResult]:
        outcomes = self.send([request for _, request in chunk.requests])
        delivered: list[list[HeapRequest]] = [[] for _ in chunk.results]
        failed: list[list[FailedRequest]] = [[] for _ in chunk.results]
        for (slot, request), outcome in zip(chunk.requests, outcomes, strict=True):
            if isinstance(outcome, FailedRequest):
                failed[slot].append(outcome)
            else:
                delivered[slot].append(request)
        for slot, fields in enumerate(chunk.results):
            yield BatchResult(
                index=fields["index"],
                events_in=fields.get("events_in", 0),
                heap_events_delivered=sum(request.heap_events for request in delivered[slot]),
                requests_delivered=len(delivered[slot]),
                skipped=fields.get("skipped", ()),
                failed=tuple(failed[slot]),
                rejected=fields.get("rejected"),
            )

    # --- requests --------------------------------------------------------------------------------
    def send(self, heap_requests: Sequence[HeapRequest]) -> list[HeapRequest | FailedRequest]:
        """Deliver prepared Heap requests; for each, the request itself once delivered, or its failure."""
        outcomes: list[HeapRequest | FailedRequest | None] = [None] * len(heap_requests)
        lanes: dict[tuple[str, ...], deque[_Pending]] = {}
        for seq, request in enumerate(heap_requests):
            demands = demands_of(request)
            lanes.setdefault(_lane_of(request, demands), deque()).append(_Pending(seq, request, demands))
        now = self.clock()
        queue = [(now, lane[0].seq, key) for key, lane in lanes.items()]
        heapq.heapify(queue)
        while queue:
            now = self._run_next(queue, lanes, outcomes, now)
        return [outcome for outcome in outcomes if outcome is not None]

    def _run_next(
        self,
        queue: list[tuple[float, int, tuple[str, ...]]],
        lanes: dict[tuple[str, ...], deque[_Pending]],
        outcomes: list[HeapRequest | FailedRequest | None],
        now: float,
    ) -> float:
        """Send the lane head that is due (waiting first if none is); returns the time after."""
        due, _, key = queue[0]
        now = max(now, self.clock())
        if due > now:
            return self._wait_until(due)
        heapq.heappop(queue)
        pending = lanes[key][0]
        ready = max(pending.not_before, self.pacer.ready_at(pending.demands, now))
        if ready > now:
            heapq.heappush(queue, (ready, pending.seq, key))
            return now
        finished = self._attempt(pending)
        now = max(now, self.clock())
        if finished is not None:
            outcomes[pending.seq] = finished
            lanes[key].popleft()
        if lanes[key]:
            head = lanes[key][0]
            heapq.heappush(queue, (max(now, head.not_before), head.seq, key))
        return now

    def _wait_until(self, moment: float) -> float:
        seconds = moment - self.clock()
        if seconds > 0:
            self.sleep(seconds)
            self.stats.slept_s += seconds
        return max(moment, self.clock())

    def _attempt(self, pending: _Pending) -> HeapRequest | FailedRequest | None:
        """One HTTP attempt. The request when delivered, its failure when given up, None to try again."""
        answer = self._post(pending.request)
        at = self.clock()
        self.stats.attempts += 1
        pending.attempts += 1
        if self.on_request is not None:
            self.on_request(pending.request, answer.status)
        pending.last_status, pending.last_reason = answer.status, answer.message
        if answer.verdict is Verdict.DELIVERED:
            self.pacer.admit(pending.demands, at)
            self.stats.delivered_requests += 1
            return pending.request
        if answer.verdict is Verdict.REFUSED:
            return self._failure(pending)
        if answer.verdict is Verdict.THROTTLED:
            return self._after_throttle(pending, answer, at)
        # The server may have counted a request it failed to answer: count it too, to stay safe.
        self.pacer.admit(pending.demands, at)
        pending.failures += 1
        if pending.failures >= self.retry.max_attempts:
            return self._failure(pending)
        self.stats.retries += 1
        pending.not_before = at + self.retry.retry_wait_s(answer.retry_after, pending.failures, self.rng)
        return None

    def _after_throttle(self, pending: _Pending, answer: _Answer, at: float) -> FailedRequest | None:
        self.stats.throttled += 1
        pending.throttles += 1
        if pending.throttles > self.retry.max_throttle_waits:
            pending.last_reason = f"still throttled after {self.retry.max_throttle_waits} waits: {answer.message}"
            return self._failure(pending)
        pending.not_before = at + self.retry.throttle_wait_s(answer.retry_after, pending.throttles, self.rng)
        return None

    def _failure(self, pending: _Pending) -> FailedRequest:
        return FailedRequest(pending.request, pending.last_status, pending.last_reason, pending.attempts)

    def _post(self, request: HeapRequest) -> _Answer:
        url = self.heap_url + request.path
        try:
            headers = _JSON_HEADERS if self.headers_for is None else {**_JSON_HEADERS, **self.headers_for(request)}
            response = self.session.post(url, data=_encode(request.body), headers=headers, timeout=self.timeout)
        except _RETRYABLE_ERRORS as error:
            return _Answer(Verdict.RETRYABLE, None, f"{type(error).__name__}: {_first_line(error)}")
        except requests.RequestException as error:
            return _Answer(Verdict.REFUSED, None, f"{type(error).__name__}: {_first_line(error)}")
        verdict = verdict_for_status(response.status_code)
        message = "" if verdict is Verdict.DELIVERED else f"HTTP {response.status_code}: {response.text.strip()[:2000]}"
        return _Answer(verdict, response.status_code, message, response.headers.get("Retry-After"))


_JSON_HEADERS = {"Content-Type": "application/json"}


def _encode(body: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(body)
    except TypeError:  # an integer orjson cannot write; the stdlib can
        return json.dumps(body, separators=(",", ":")).encode()


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:500] if text else type(error).__name__


def _lane_of(request: HeapRequest, demands: list[Demand]) -> tuple[str, ...]:
    """Requests that count against the same per-identity window share a lane, so they keep their order."""
    return (request.kind, *demands[0].key)
