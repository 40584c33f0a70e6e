"""The front's delivery: a bounded queue of accepted batches and one thread that delivers them.

SDKs are answered as soon as their batches are queued, as mParticle answers them (202) before it
forwards anything. One thread takes the queued batches in arrival order, up to `chunk` at a time,
and hands their Heap requests to the `Forwarder` together: its lanes keep each identity's
requests in order while other identities go ahead when one waits for its rate-limit window.

The queue holds at most `capacity` batches; past that, `offer` refuses with QueueFull (429 and
Retry-After) rather than growing. `close(drain_s)` stops taking batches, delivers what is queued
until the time limit, and reports what it could not send. A wait that would run past the limit
(a backoff, a Retry-After, a rate-limit window) ends the drain at once instead of being slept.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from forwarder.delivery import FailedRequest, Forwarder
from forwarder.front.errors import FrontError, QueueFull
from forwarder.front.lineage import LineageStore, TracedRequest
from forwarder.model import HeapRequest

DEFAULT_CAPACITY = 1000  # batches
DEFAULT_MAX_BYTES = 256 * 1024 * 1024  # of request bodies waiting, so big batches cannot fill memory either
DEFAULT_CHUNK = 200
QUEUE_FULL_RETRY_AFTER_S = 1

log = logging.getLogger("forwarder.front")


class ShuttingDown(FrontError):
    status, code = 503, "SERVICE_UNAVAILABLE"


class _DrainExpired(Exception):
    """Raised through the Forwarder when a wait would end after the drain's time limit."""


@dataclass(frozen=True)
class Job:
    """One accepted batch's Heap requests, waiting for delivery."""

    batch_id: int
    requests: tuple[TracedRequest, ...]
    size: int = 0  # bytes of the request body it came in, shared out among the request's batches


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


class DeliveryQueue:
    """Accepted batches in arrival order and the daemon thread that delivers them."""

    def __init__(
        self,
        forwarder: Forwarder,
        lineage: LineageStore,
        *,
        capacity: int = DEFAULT_CAPACITY,
        max_bytes: int = DEFAULT_MAX_BYTES,
        chunk: int = DEFAULT_CHUNK,
        wall_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.forwarder, self.lineage = forwarder, lineage
        self.capacity, self.max_bytes, self.chunk, self.wall_clock = capacity, max_bytes, chunk, wall_clock
        self._bytes = 0
        self._cond = threading.Condition()
        self._jobs: deque[Job] = deque()
        self._in_flight: list[Job] = []
        self._delivered: set[int] = set()  # id() of in-flight requests answered 2xx
        self._closed = False
        self._closing = threading.Event()  # wakes a real-time wait when the drain begins
        self._deadline: float | None = None
        self._abandoned = False
        self.batches_delivered = 0
        self._sleep = forwarder.sleep
        forwarder.sleep = self._sleep_before_deadline
        forwarder.on_request = self._attempted
        self._thread = threading.Thread(target=self._run, name="heap-forward-delivery", daemon=True)

    def start(self) -> DeliveryQueue:
        self._thread.start()
        return self

    def offer(self, count: int, size: int, build: Callable[[], list[Job]]) -> list[Job]:
        """Queue the jobs `build` makes for `count` batches of `size` bytes, all or none: QueueFull when they do not fit."""
        with self._cond:
            if self._closed:
                raise ShuttingDown("the front is shutting down and takes no more batches")
            room = self.capacity - len(self._jobs) - len(self._in_flight)
            if count > room or (self._bytes and self._bytes + size > self.max_bytes):
                raise QueueFull(
                    f"the delivery queue is full ({self.capacity} batches or {self.max_bytes} bytes waiting); send again after Retry-After",
                    QUEUE_FULL_RETRY_AFTER_S,
                )
            jobs = build()
            self._jobs.extend(jobs)
            self._bytes += sum(job.size for job in jobs)
            self._cond.notify_all()
            return jobs

    def depth(self) -> int:
        with self._cond:
            return len(self._jobs) + len(self._in_flight)

    def wait_idle(self, timeout_s: float) -> bool:
        """Block until nothing is queued or in flight (True), or `timeout_s` of real time passes."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._jobs and not self._in_flight, timeout_s)

    def close(self, drain_s: float) -> DrainReport:
        """Stop taking batches, deliver what is queued within `drain_s` seconds, report the rest."""
        with self._cond:
            self._closed = True
            self._deadline = self.wall_clock() + drain_s
            self._cond.notify_all()
        self._closing.set()
        if self._thread.is_alive():
            # An HTTP attempt under way when the limit passes is given its own timeout to finish.
            self._thread.join(timeout=drain_s + _attempt_timeout_s(self.forwarder))
        with self._cond:
            left = [*self._in_flight, *self._jobs] if self._thread.is_alive() or self._abandoned else list(self._jobs)
            self._jobs.clear()
            return self._report(left)

    # --- the delivery thread ---------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._jobs or self._closed)
                if not self._jobs or self._abandoned or self._past_deadline():
                    self._abandoned = self._abandoned or bool(self._jobs)
                    return
                self._in_flight = [self._jobs.popleft() for _ in range(min(self.chunk, len(self._jobs)))]
                self._delivered.clear()
            finished = self._deliver(self._in_flight)
            with self._cond:
                if finished:
                    self._bytes -= sum(job.size for job in self._in_flight)
                    self._in_flight = []
                self._cond.notify_all()
                if not finished:
                    self._abandoned = True
                    return

    def _deliver(self, jobs: list[Job]) -> bool:
        """Deliver the jobs' requests; False when the drain's time limit cut delivery short."""
        requests = [request for job in jobs for request in job.requests]
        try:
            outcomes = self.forwarder.send(requests)
        except _DrainExpired:
            return False
        except Exception as error:  # a bug must not kill the thread and silently stop delivery
            log.exception("delivery failed")
            outcomes = [FailedRequest(request, None, f"front error: {type(error).__name__}", 0) for request in requests]
        for request, outcome in zip(requests, outcomes, strict=True):
            self.lineage.finished(request, outcome.reason if isinstance(outcome, FailedRequest) else None)
        self.batches_delivered += len(jobs)
        return True

    def _attempted(self, request: HeapRequest, status: int | None) -> None:
        if status is not None and 200 <= status < 300:
            self._delivered.add(id(request))
        self.lineage.attempted(request, status)

    def _sleep_before_deadline(self, seconds: float) -> None:
        """The Forwarder's sleep, ended by _DrainExpired when the wait would outlast the drain.

        A real-time wait is woken when the drain begins, to check the limit again at once.
        """
        end = self.wall_clock() + seconds
        self._check_deadline(end)
        if self._sleep is not time.sleep:
            self._sleep(seconds)  # an injected clock (tests, virtual time): its own way of waiting
            return
        while (left := end - self.wall_clock()) > 0:
            self._closing.wait(left)
            self._check_deadline(end)

    def _check_deadline(self, wait_ends: float) -> None:
        deadline = self._deadline
        if deadline is not None and wait_ends > deadline:
            raise _DrainExpired

    def _past_deadline(self) -> bool:
        return self._deadline is not None and self.wall_clock() > self._deadline

    def _report(self, left: list[Job]) -> DrainReport:
        report = DrainReport()
        for job in left:
            unsent: list[HeapRequest] = [request for request in job.requests if id(request) not in self._delivered]
            for request in unsent:
                self.lineage.unsent(request, "the front stopped before delivering it (drain time limit)")
            report.add(job.batch_id, unsent)
        return report


def _attempt_timeout_s(forwarder: Forwarder) -> float:
    timeout = forwarder.timeout
    return float(sum(timeout)) if isinstance(timeout, tuple) else float(timeout)
