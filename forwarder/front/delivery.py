"""The front's delivery: accepted batches waiting for delivery, bounded, and the one thread that runs
the Forwarder's scheduler of lanes.

SDKs are answered as soon as their batches are queued, as mParticle answers them (202) before it
forwards anything. Each accepted batch's Heap requests join the Forwarder's lanes at once, one lane
per identity and endpoint, so an identity that is paced, throttled or retrying never holds up
another; the scheduler's wait ends when new requests arrive. This queue is the Forwarder's
observer: it keeps the lineage of every attempt and outcome, and counts what is still waiting.

What is waiting is bounded three ways, all or nothing per upload (QueueFull, 429 and Retry-After):
`capacity` batches, `max_waiting_events` mapped Heap events, and `max_bytes` of memory as estimated
from the uploads (forwarder.front.admission). An empty queue takes any one upload the front
admitted. `close(drain_s)` stops taking uploads (503 and Retry-After from then on), delivers what is
waiting until the time limit, and reports what it could not send; the limit bounds the whole drain,
an attempt in flight included.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from forwarder.delivery import DeliveryObserver, Forwarder
from forwarder.front.errors import QueueFull, ShuttingDown
from forwarder.front.lineage import LineageStore, TracedRequest
from forwarder.lanes import Outcome
from forwarder.model import FailedRequest, HeapRequest

DEFAULT_CAPACITY = 1000  # batches
DEFAULT_MAX_WAITING_EVENTS = 50_000  # mapped Heap events, queued or being sent
DEFAULT_MAX_BYTES = 96 * 1024 * 1024  # of memory the waiting uploads may hold, as estimated from their bodies
QUEUE_FULL_RETRY_AFTER_S = 1


@dataclass
class Job:
    """One accepted batch's Heap requests, on their way."""

    batch_id: int
    requests: tuple[TracedRequest, ...]
    size: int = 0  # estimated memory its upload holds, shared out among the upload's batches
    left: int = field(init=False)

    def __post_init__(self) -> None:
        self.left = len(self.requests)

    @property
    def heap_events(self) -> int:
        return sum(request.heap_events for request in self.requests)


@dataclass
class DrainReport:
    """What a stopped front could not send, to print and to exit non-zero on."""

    unsent_batches: list[int] = field(default_factory=list)
    unsent_requests: int = 0
    unsent_heap_events: int = 0

    @property
    def complete(self) -> bool:
        return not self.unsent_batches

    def add(self, batch_id: int, requests: list[HeapRequest]) -> None:
        if requests:
            self.unsent_batches.append(batch_id)
            self.unsent_requests += len(requests)
            self.unsent_heap_events += sum(request.heap_events for request in requests)

    def to_json(self) -> dict[str, Any]:
        return {
            "drained": self.complete,
            "unsent_batches": len(self.unsent_batches),
            "unsent_batch_ids": self.unsent_batches,
            "unsent_requests": self.unsent_requests,
            "unsent_heap_events": self.unsent_heap_events,
        }


@dataclass(frozen=True)
class QueueLimits:
    """How much may wait for delivery at once."""

    capacity: int = DEFAULT_CAPACITY
    max_waiting_events: int = DEFAULT_MAX_WAITING_EVENTS
    max_bytes: int = DEFAULT_MAX_BYTES


class DeliveryQueue(DeliveryObserver):
    """Accepted batches on their way, and the daemon thread that delivers them."""

    def __init__(
        self, make_forwarder: Callable[[DeliveryObserver], Forwarder], lineage: LineageStore, limits: QueueLimits | None = None
    ) -> None:
        self.lineage = lineage
        self.limits = limits or QueueLimits()
        self.capacity = self.limits.capacity
        self._cond = threading.Condition()
        self._jobs: dict[int, Job] = {}  # by batch ID: accepted, not yet delivered or given up
        self._events = 0  # Heap events of requests not finished
        self._bytes = 0
        self._retry_after_s: int | None = None  # set when the front stops taking uploads
        self.closing = threading.Event()  # set then too, for whoever waits for the stop to begin
        self.batches_delivered = 0
        self.forwarder = make_forwarder(self)  # this queue is its observer, from the start
        self._thread = threading.Thread(target=self.forwarder.serve, name="heap-forward-delivery", daemon=True)

    def start(self) -> DeliveryQueue:
        self._thread.start()
        return self

    def offer(self, count: int, heap_events: int, size: int, build: Callable[[], list[Job]]) -> list[Job]:
        """Queue the jobs `build` makes for `count` batches becoming `heap_events` Heap events, from an
        upload estimated to hold `size` bytes: all or none (QueueFull when they do not fit, ShuttingDown)."""
        with self._cond:
            if self._retry_after_s is not None:
                raise ShuttingDown("the front is shutting down and takes no more batches", self._retry_after_s)
            self._check_room(count, heap_events, size)
            jobs = build()
            for job in jobs:
                self._take(job)
            self.forwarder.submit([request for job in jobs for request in job.requests])
            return jobs

    def depth(self) -> int:
        """Batches accepted and not yet delivered or given up."""
        with self._cond:
            return len(self._jobs)

    def waiting_events(self) -> int:
        with self._cond:
            return self._events

    def wait_idle(self, timeout_s: float) -> bool:
        """Block until nothing is waiting (True), or `timeout_s` of real time passes."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._jobs, timeout_s)

    def wait_done(self, batch_ids: list[int], timeout_s: float) -> bool:
        """Block until these batches are delivered or given up (True), or `timeout_s` of real time passes."""
        with self._cond:
            return self._cond.wait_for(lambda: not any(batch_id in self._jobs for batch_id in batch_ids), timeout_s)

    def stop_taking(self, retry_after_s: float) -> None:
        """From now on, uploads are answered 503 with Retry-After (whole seconds, at least 1)."""
        with self._cond:
            if self._retry_after_s is None:
                self._retry_after_s = max(1, math.ceil(retry_after_s))
        self.closing.set()

    def close(self, drain_s: float) -> DrainReport:
        """Stop taking uploads, deliver what is waiting within `drain_s` seconds, report the rest.

        `drain_s` bounds the whole drain: a wait that would end later ends it at once, an attempt
        started during it has at most the time left, and one still in flight when the time is up is
        abandoned and reported unsent (its idempotency key makes sending it again safe)."""
        self.stop_taking(drain_s)
        self.forwarder.drain(drain_s)
        if self._thread.is_alive():
            self._thread.join(timeout=drain_s)
        return self._report(self.forwarder.abandon())

    # --- the Forwarder's observer, told from the delivery thread ---------------------------------
    def attempted(self, request: HeapRequest, status: int | None) -> None:
        self.lineage.attempted(request, status)

    def finished(self, request: HeapRequest, outcome: Outcome) -> None:
        self.lineage.finished(request, outcome.reason if isinstance(outcome, FailedRequest) else None)
        with self._cond:
            self._events -= request.heap_events
            job = self._jobs.get(request.batch_id) if isinstance(request, TracedRequest) else None
            if job is not None:
                job.left -= 1
                if not job.left:
                    self._release(job)
                    self.batches_delivered += 1
            self._cond.notify_all()

    # --- internals, called with the lock held ----------------------------------------------------
    def _check_room(self, count: int, heap_events: int, size: int) -> None:
        limits = self.limits
        if len(self._jobs) + count > limits.capacity:
            raise QueueFull(f"the delivery queue is full ({limits.capacity} batches waiting); send again after Retry-After", QUEUE_FULL_RETRY_AFTER_S)
        if self._jobs and self._events + heap_events > limits.max_waiting_events:
            raise QueueFull(
                f"{self._events} Heap events are waiting for delivery and this upload would add {heap_events}, over the "
                f"limit of {limits.max_waiting_events} (--max-waiting-events); send again after Retry-After",
                QUEUE_FULL_RETRY_AFTER_S,
            )
        if self._jobs and self._bytes + size > limits.max_bytes:
            raise QueueFull(
                f"the uploads waiting for delivery hold about {self._bytes >> 20} MiB and this one would add {size >> 20} MiB, "
                f"over the limit of {limits.max_bytes >> 20} MiB; send again after Retry-After",
                QUEUE_FULL_RETRY_AFTER_S,
            )

    def _take(self, job: Job) -> None:
        if job.requests:
            self._jobs[job.batch_id] = job
            self._events += job.heap_events
            self._bytes += job.size
        else:
            self.batches_delivered += 1  # every event skipped: nothing to send

    def _release(self, job: Job) -> None:
        del self._jobs[job.batch_id]
        self._bytes -= job.size

    def _report(self, unsent: list[HeapRequest]) -> DrainReport:
        by_batch: dict[int, list[HeapRequest]] = {}
        for request in unsent:
            self.lineage.unsent(request, "the front stopped before delivering it (drain time limit)")
            by_batch.setdefault(request.batch_id if isinstance(request, TracedRequest) else 0, []).append(request)
        report = DrainReport()
        with self._cond:
            for batch_id, requests in sorted(by_batch.items()):
                report.add(batch_id, requests)
                job = self._jobs.get(batch_id)
                if job is not None:
                    self._release(job)
            self._events -= sum(request.heap_events for request in unsent)
            self._cond.notify_all()
        return report
