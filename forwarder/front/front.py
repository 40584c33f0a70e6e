"""`Front`: what one running front shares between its views: settings, lineage, queue, recorder.

Accepting an upload is all or nothing, and judged by what it would become before the work is done
(forwarder.front.admission): what reading it would take, from its raw bytes, before it is read;
the Heap events its batches would become, before any is mapped; then every batch is checked and
mapped (pure), queued together or not at all, and only then recorded.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from forwarder.clock import Clock
from forwarder.delivery import DeliveryObserver, Forwarder
from forwarder.front import admission, payloads
from forwarder.front.delivery import (
    DEFAULT_CAPACITY,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_WAITING_EVENTS,
    DeliveryQueue,
    DrainReport,
    Job,
    QueueLimits,
)
from forwarder.front.errors import BadRequest, FrontError
from forwarder.front.lineage import LineageStore, TracedRequest
from forwarder.front.recorder import Recorder
from forwarder.mapping import map_batch
from forwarder.model import BatchRejected, MappingResult
from forwarder.pacing import Limit
from forwarder.settings import Settings

LINEAGE_HEADER = "X-Heap-Sim-Lineage"
LINEAGE_PAGE = "/_front/lineage"
DEFAULT_RECORD_DIR = Path("recorded-fixtures")


@dataclass(frozen=True)
class FrontOptions:
    """How a front is configured: where it delivers, with which settings, and its own limits."""

    heap_url: str
    settings: Settings
    api_key: str | None = None
    api_secret: str | None = None
    queue_capacity: int = DEFAULT_CAPACITY
    queue_max_bytes: int = DEFAULT_MAX_BYTES  # estimated memory of the uploads waiting for delivery
    max_upload_events: int = admission.DEFAULT_MAX_UPLOAD_EVENTS  # Heap events one upload may become
    max_waiting_events: int = DEFAULT_MAX_WAITING_EVENTS  # mapped Heap events waiting for delivery in all
    read_budget: int = admission.DEFAULT_READ_BUDGET  # estimated memory of the uploads being read at once
    record_dir: Path | None = None
    max_attempts: int = 6
    limits: dict[str, Limit] | None = None

    def __post_init__(self) -> None:
        if self.max_upload_events > self.max_waiting_events:
            raise ValueError(
                f"max_upload_events ({self.max_upload_events}) must not be over max_waiting_events "
                f"({self.max_waiting_events}): an upload the front admits must fit in an empty queue"
            )


class Front:
    """The front's state and its one operation, `accept`."""

    def __init__(
        self,
        options: FrontOptions,
        *,
        session: requests.Session | None = None,
        clock: Clock | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.options = options
        self.settings = options.settings
        self.now = now
        self.public_url = ""  # set once the server is bound; lineage links point here
        self.lineage = LineageStore()
        self.reading = admission.ReadBudget(options.read_budget)

        def forwarder(observer: DeliveryObserver) -> Forwarder:
            return Forwarder(
                options.settings, options.heap_url, session=session, clock=clock, observer=observer,
                max_attempts=options.max_attempts, limits=options.limits,
            )  # fmt: skip

        limits = QueueLimits(options.queue_capacity, options.max_waiting_events, options.queue_max_bytes)
        self.queue = DeliveryQueue(forwarder, self.lineage, limits)
        self.recorder = Recorder(
            options.record_dir or DEFAULT_RECORD_DIR, options.settings, recording=options.record_dir is not None
        )

    def start(self) -> Front:
        self.queue.start()
        return self

    def stop(self, drain_s: float) -> DrainReport:
        return self.queue.close(drain_s)

    def accept(self, route: str, client: str, read_body: Callable[[], bytes], length: int, *, bulk: bool) -> list[int]:
        """Read, map and queue every batch of an upload of `length` bytes (a bulk array, or one batch),
        or none (BadRequest, UploadTooLarge, QueueFull, ShuttingDown); returns their lineage IDs."""
        limit = self.options.max_upload_events
        with self.reading.reserve() as held:
            held.grow_to(length)  # before the body is read: one that cannot be held is never read
            body = read_body()
            held.grow_to(admission.upload_cost(body, limit), values=admission.json_values(body))
            batches = payloads.parse_bulk(body) if bulk else [payloads.parse_batch(body)]
            admission.check_heap_events(batches, limit, bulk=bulk)
            mapped = [self._mapped(batch, f"$[{index}]" if bulk else "$") for index, batch in enumerate(batches)]
            jobs = self._queued(route, client, body, batches, mapped)
            self.recorder.record(batches)
        return [job.batch_id for job in jobs]

    def _queued(self, route: str, client: str, body: bytes, batches: list[dict[str, Any]], mapped: list[MappingResult]) -> list[Job]:
        heap_events = sum(result.heap_events for result in mapped)
        size = admission.waiting_cost(body, heap_events)
        received_at = _iso(self.now())

        def build() -> list[Job]:
            jobs = []
            for batch, result in zip(batches, mapped, strict=True):
                batch_id, traced = self.lineage.add_batch(received_at, route, client, batch, result)
                jobs.append(Job(batch_id, tuple(self._linked(request) for request in traced), size // len(batches)))
            return jobs

        return self.queue.offer(len(batches), heap_events, size, build)

    def refuse(self, route: str, client: str, error: FrontError) -> None:
        """Keep a refused upload in the lineage, so a developer sees why nothing arrived."""
        self.lineage.add_refused(_iso(self.now()), route, client, error.status, error.message, error.path)

    def _linked(self, request: TracedRequest) -> TracedRequest:
        """The request carrying its link back to the lineage page, in the header Heap's journal keeps."""
        return dataclasses.replace(request, headers={LINEAGE_HEADER: f"{self.public_url}{LINEAGE_PAGE}#{request.trace_fragment()}"})

    def _mapped(self, batch: dict[str, Any], where: str) -> MappingResult:
        try:
            return map_batch(batch, self.settings)
        except BatchRejected as error:  # the views check first; this keeps the promise if they miss something
            raise BadRequest(error.problem, path=where + error.path.removeprefix("$")) from None


def _iso(epoch_s: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch_s)) + f".{int(epoch_s * 1000) % 1000:03d}Z"
