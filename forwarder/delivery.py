"""`Forwarder`: delivers mapped batches to Heap over one requests.Session, within the limits.

One scheduler of lanes (forwarder/lanes.py), long-lived: requests wait in one lane per (limit
family, app, identity), first in, first out, so an identity's events keep their order on each
endpoint while other lanes go ahead when one waits for its window, its Retry-After or its backoff.
New requests can join at any time (`submit`, thread-safe), and a wait for a lane ends early when
they do, so an identity that is paced, throttled or retrying never holds up another.

Two ways to drive it: in the caller's own thread (`send`, `forward_iter`: the CLI and the
conformance suite), or in a thread of its own (`serve`, until `drain` or `abandon`: the front).
Either way one thread sends, one attempt at a time; on a 2-core machine more senders were no faster.

Every mapped Heap event ends up either delivered or in a `FailedRequest`: none is lost silently.
Retries resend the same body, idempotency keys and all, so Heap never counts an event twice.
What it depends on is passed in when it is built: the `clock` it reads and waits on (tests cross
minutes of windows in milliseconds), the `observer` told of every attempt and outcome, the `rng`.
"""

from __future__ import annotations

import json
import random
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import requests

from forwarder.clock import Clock, SystemClock
from forwarder.lanes import Lanes, Outcome, Pending, Ticket
from forwarder.mapping import map_batch
from forwarder.model import BatchRejected, FailedRequest, HeapRequest, SkippedEvent
from forwarder.pacing import Limit, Pacer
from forwarder.retry import RetryPolicy, Verdict, verdict_for_status
from forwarder.settings import Settings

__all__ = ["BatchResult", "DeliveryObserver", "DeliveryStats", "FailedRequest", "Forwarder"]

DEFAULT_TIMEOUT = (3.05, 10.0)  # connect, read (seconds)
# How many batches `forward_iter` keeps on their way at once: enough for other identities to fill
# one identity's waits, few enough that results stream out and memory stays flat on long inputs.
WINDOW_BATCHES = 500
WINDOW_REQUESTS = 20_000
_RETRYABLE_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


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


class DeliveryObserver:
    """Told of every attempt and every outcome, from the sending thread, holding no lock of the
    Forwarder's. The CLI's progress line and the front's lineage are observers. Does nothing itself."""

    def attempted(self, request: HeapRequest, status: int | None) -> None:
        """One HTTP attempt came back with `status` (None: no answer)."""

    def finished(self, request: HeapRequest, outcome: Outcome) -> None:
        """Delivery of `request` ended: `outcome` is the request itself when delivered, else its failure."""


@dataclass(frozen=True)
class _Answer:
    verdict: Verdict
    status: int | None
    message: str
    retry_after: str | None = None


@dataclass(frozen=True)
class _Submitted:
    """A batch on its way in `forward_iter`: its mapping's counts and the ticket of its requests."""

    index: int
    ticket: Ticket | None = None
    events_in: int = 0
    skipped: tuple[SkippedEvent, ...] = ()
    rejected: str | None = None


class Forwarder:
    """Maps and delivers mParticle batches to one Heap endpoint (`heap_url`, e.g. https://heapanalytics.com)."""

    def __init__(
        self,
        settings: Settings,
        heap_url: str,
        *,
        session: requests.Session | None = None,
        clock: Clock | None = None,
        observer: DeliveryObserver | None = None,
        max_attempts: int = 6,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        rng: random.Random | None = None,
        retry: RetryPolicy | None = None,
        limits: dict[str, Limit] | None = None,
    ) -> None:
        self.settings = settings
        self.heap_url = heap_url.rstrip("/")
        self.session = session or requests.Session()
        self.clock: Clock = clock or SystemClock()
        self.observer = observer or DeliveryObserver()
        self.timeout = timeout
        self.rng = rng or random.Random()
        self.retry = retry or RetryPolicy(max_attempts=max_attempts)
        self.stats = DeliveryStats()
        self._lanes = Lanes(Pacer(limits))
        self._lock = threading.Lock()  # around the lanes, the pacer and the stats; never held while sending
        self._wake = threading.Event()  # set when requests arrive or the drain begins: a wait ends early
        self._deadline: float | None = None  # on `clock`, once `drain` is called
        self._abandoned = False

    # --- batches ---------------------------------------------------------------------------------
    def forward(self, batch: Any) -> BatchResult:
        """Map and deliver one batch."""
        return next(self.forward_iter([batch]))

    def forward_many(self, batches: Iterable[Any]) -> list[BatchResult]:
        """Map and deliver many batches; one result per batch, in input order."""
        return list(self.forward_iter(batches))

    def forward_iter(self, batches: Iterable[Any]) -> Iterator[BatchResult]:
        """Results in input order, each once its batch is done. At most WINDOW_BATCHES batches (and
        WINDOW_REQUESTS requests) are on their way at once, all in their lanes together, so long
        inputs stream with flat memory and a batch that waits never stops the ones behind it."""
        window: deque[_Submitted] = deque()
        for index, batch in enumerate(batches):
            window.append(self._submit_batch(index, batch))
            while window and (len(window) >= WINDOW_BATCHES or self.waiting() >= WINDOW_REQUESTS):
                yield self._result(window.popleft())
        while window:
            yield self._result(window.popleft())

    def _submit_batch(self, index: int, batch: Any) -> _Submitted:
        try:
            mapped = map_batch(batch, self.settings)
        except BatchRejected as error:
            return _Submitted(index, rejected=str(error))
        return _Submitted(index, self.submit(mapped.requests), mapped.events_in, mapped.skipped)

    def _result(self, submitted: _Submitted) -> BatchResult:
        if submitted.ticket is None:
            return BatchResult(index=submitted.index, rejected=submitted.rejected)
        self._run_until(submitted.ticket)
        delivered = [outcome for outcome in submitted.ticket.outcomes if isinstance(outcome, HeapRequest)]
        return BatchResult(
            index=submitted.index,
            events_in=submitted.events_in,
            heap_events_delivered=sum(request.heap_events for request in delivered),
            requests_delivered=len(delivered),
            skipped=submitted.skipped,
            failed=tuple(outcome for outcome in submitted.ticket.outcomes if isinstance(outcome, FailedRequest)),
        )

    # --- requests --------------------------------------------------------------------------------
    def send(self, heap_requests: Sequence[HeapRequest]) -> list[Outcome]:
        """Deliver prepared Heap requests in this thread; for each, the request itself once delivered, or its failure."""
        ticket = self.submit(heap_requests)
        self._run_until(ticket)
        return [outcome for outcome in ticket.outcomes if outcome is not None]

    def submit(self, heap_requests: Sequence[HeapRequest]) -> Ticket:
        """Put requests at the back of their lanes, from any thread, and wake a waiting scheduler.
        The ticket fills in as each finishes."""
        ticket = Ticket(len(heap_requests))
        with self._lock:
            if self._abandoned:
                raise RuntimeError("this Forwarder was abandoned: it sends nothing more")
            self._lanes.add(list(heap_requests), ticket)
        self._wake.set()
        return ticket

    def waiting(self) -> int:
        """Requests submitted and not finished yet."""
        with self._lock:
            return self._lanes.waiting

    def serve(self) -> None:
        """Send what is submitted, as it comes, until the drain ends or `abandon`; for a thread of its own."""
        while self._step(idle=True):
            pass

    def drain(self, seconds: float) -> None:
        """From now on `serve` ends once nothing is left, or at once when the next wait would end more
        than `seconds` from now; an attempt started meanwhile is given at most the time left."""
        with self._lock:
            self._deadline = self.clock.now() + seconds
        self._wake.set()

    def abandon(self) -> list[HeapRequest]:
        """Stop now. Returns the requests not delivered: those waiting, and the one being sent, whose
        answer, should it still come, is ignored (resending it is safe: Heap de-duplicates by idempotency key)."""
        with self._lock:
            self._abandoned = True
            dropped = self._lanes.drop_all()
        self._wake.set()
        return [pending.request for pending in dropped]

    # --- the scheduler ---------------------------------------------------------------------------
    def _run_until(self, ticket: Ticket) -> None:
        while not ticket.done and self._step(idle=False):
            pass

    def _step(self, *, idle: bool) -> bool:
        """Send the request that is due, or wait until one is (or news ends the wait); False when there
        is no more to do. With `idle`, an empty scheduler waits for requests instead of returning."""
        with self._lock:
            self._wake.clear()
            now = self.clock.now()
            turn = None if self._abandoned else self._lanes.next(now)
            deadline, abandoned = self._deadline, self._abandoned
        if abandoned:
            return False
        if isinstance(turn, Pending):
            return self._send(turn, deadline)
        if turn is None:
            if not idle or deadline is not None:
                return False
            self._wake.wait()
            return True
        if deadline is not None and turn > deadline:
            return False  # the wait would outlast the drain: it ends now, not at its deadline
        self._wait(turn - now)
        return True

    def _wait(self, seconds: float) -> None:
        started = self.clock.now()
        self.clock.wait(seconds, self._wake)
        self.stats.slept_s += max(0.0, self.clock.now() - started)

    def _send(self, pending: Pending, deadline: float | None) -> bool:
        """One HTTP attempt of `pending`, its outcome recorded, the observer told; False when the drain's time is up."""
        timeout = self._timeout_before(deadline)
        if timeout is None:
            return False
        answer = self._post(pending.request, timeout)
        with self._lock:
            if self._abandoned:
                return False
            at = self.clock.now()
            outcome = self._judge(pending, answer, at)
            self._lanes.returned(pending, outcome is not None, at)
            if outcome is not None:
                pending.ticket.record(pending.slot, outcome)
        self.observer.attempted(pending.request, answer.status)
        if outcome is not None:
            self.observer.finished(pending.request, outcome)
        return True

    def _timeout_before(self, deadline: float | None) -> float | tuple[float, float] | None:
        """The HTTP timeout of an attempt: the configured one, cut to the drain's time left (None: none left)."""
        if deadline is None:
            return self.timeout
        left = deadline - self.clock.now()
        if left <= 0:
            return None
        connect, read = self.timeout if isinstance(self.timeout, tuple) else (self.timeout, self.timeout)
        return (min(connect, left), min(read, left))

    def _judge(self, pending: Pending, answer: _Answer, at: float) -> Outcome | None:
        """What one answer means for `pending`: delivered, given up (its failure), or None to try again."""
        self.stats.attempts += 1
        pending.attempts += 1
        pending.last_status, pending.last_reason = answer.status, answer.message
        if answer.verdict is Verdict.DELIVERED:
            self._lanes.pacer.admit(pending.demands, at)
            self.stats.delivered_requests += 1
            return pending.request
        if answer.verdict is Verdict.REFUSED:
            return self._failure(pending)
        if answer.verdict is Verdict.THROTTLED:
            return self._after_throttle(pending, answer, at)
        # The server may have counted a request it failed to answer: count it too, to stay safe.
        self._lanes.pacer.admit(pending.demands, at)
        pending.failures += 1
        if pending.failures >= self.retry.max_attempts:
            return self._failure(pending)
        self.stats.retries += 1
        pending.not_before = at + self.retry.retry_wait_s(answer.retry_after, pending.failures, self.rng)
        return None

    def _after_throttle(self, pending: Pending, answer: _Answer, at: float) -> FailedRequest | None:
        self.stats.throttled += 1
        pending.throttles += 1
        if pending.throttles > self.retry.max_throttle_waits:
            pending.last_reason = f"still throttled after {self.retry.max_throttle_waits} waits: {answer.message}"
            return self._failure(pending)
        pending.not_before = at + self.retry.throttle_wait_s(answer.retry_after, pending.throttles, self.rng)
        return None

    def _failure(self, pending: Pending) -> FailedRequest:
        return FailedRequest(pending.request, pending.last_status, pending.last_reason, pending.attempts)

    def _post(self, request: HeapRequest, timeout: float | tuple[float, float]) -> _Answer:
        url = self.heap_url + request.path
        try:
            headers = {**_JSON_HEADERS, **request.headers} if request.headers else _JSON_HEADERS
            response = self.session.post(url, data=_encode(request.body), headers=headers, timeout=timeout)
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

