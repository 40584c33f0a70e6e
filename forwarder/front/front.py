"""`Front`: what one running front shares between its views: settings, lineage, queue, recorder.

Accepting an upload is all or nothing, and judged by what it would become before the work is done
(forwarder.front.admission): what reading it would take, from its raw bytes, before it is read;
the Heap events its batches would become, before any is mapped; then every batch is checked and
mapped (pure), queued together or not at all, and only then recorded.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
from forwarder.front.lineage import BatchSource, LineageStore, TracedRequest
from forwarder.front.pipeline_view import ViewContext, pipeline_batch
from forwarder.front.recorder import Recorder
from forwarder.mapping import map_batch
from forwarder.model import BatchRejected, MappingResult
from forwarder.options import SETTING_FLAGS
from forwarder.pacing import Limit
from forwarder.settings import Settings
from heap_facts.wire import LINEAGE_HEADER

LINEAGE_PAGE = "/_front/lineage"  # the pipeline view's old address, which redirects
PIPELINE_PAGE = "/_front/pipeline"  # every lineage link points here
DEFAULT_RECORD_DIR = Path("recorded-fixtures")  # under the directory the front was started in, printed absolute


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
    # How to change each setting where this front runs (heap-forward serve's flags, make run's
    # variables): printed at start and shown beside a skip the setting decided.
    setting_hints: Mapping[str, str] = field(default_factory=lambda: dict(SETTING_FLAGS))

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
            (options.record_dir or DEFAULT_RECORD_DIR).resolve(), options.settings, recording=options.record_dir is not None
        )

    def start(self) -> Front:
        self.queue.start()
        return self

    def stop(self, drain_s: float) -> DrainReport:
        return self.queue.close(drain_s)

    def accept(self, route: str, client: str, body: bytes, held: admission.Reservation, *, bulk: bool) -> list[int]:
        """Map and queue every batch of an upload (`body`, a bulk array when `bulk`, else one batch), or
        none (BadRequest, UploadTooLarge, QueueFull, ShuttingDown); returns their lineage IDs.

        `held` is the upload's reservation in the read budget, taken by the site before the body was
        read (a body that cannot be held is never read); it grows here to what reading and mapping
        the body will take, counted from its bytes before it is parsed."""
        limit = self.options.max_upload_events
        held.grow_to(admission.upload_cost(body, limit), values=admission.json_values(body))
        document = payloads.parse_body(body)
        batches = payloads.checked_bulk(document) if bulk else [payloads.checked_batch(document, "$")]
        admission.check_heap_events(batches, limit, bulk=bulk)
        mapped = [self._mapped(batch, f"$[{index}]" if bulk else "$") for index, batch in enumerate(batches)]
        jobs = self._queued(route, client, body, batches, mapped, bulk)
        self.recorder.record(batches)
        return [job.batch_id for job in jobs]

    def _queued(
        self, route: str, client: str, body: bytes, batches: list[dict[str, Any]], mapped: list[MappingResult], bulk: bool
    ) -> list[Job]:
        heap_events = sum(result.heap_events for result in mapped)
        size = admission.waiting_cost(body, heap_events)
        received_at = _iso(self.now())
        share = len(body) // len(batches)

        def build() -> list[Job]:
            jobs = []
            for index, (batch, result) in enumerate(zip(batches, mapped, strict=True)):
                source = BatchSource(body, index if bulk else None)
                batch_id, traced = self.lineage.add_batch(received_at, route, client, batch, result, source, share)
                jobs.append(Job(batch_id, tuple(self._linked(request) for request in traced), size // len(batches)))
            return jobs

        return self.queue.offer(len(batches), heap_events, size, build)

    def refuse(self, route: str, client: str, error: FrontError) -> None:
        """Keep a refused upload in the lineage, so a developer sees why nothing arrived."""
        self.lineage.add_refused(_iso(self.now()), route, client, error.status, error.message, error.path)

    def _linked(self, request: TracedRequest) -> TracedRequest:
        """The request carrying its link back to the pipeline view, in the header Heap's journal keeps."""
        return dataclasses.replace(request, headers={LINEAGE_HEADER: f"{self.public_url}{PIPELINE_PAGE}#{request.trace_fragment()}"})

    def pipeline(self, batch_id: int) -> dict[str, Any] | None:
        """A kept batch for the pipeline view: its trace, and (while its body is kept) each event's
        input beside what it became, field by field. None when the lineage no longer holds it."""
        trace = self.lineage.batch(batch_id)
        if trace is None:
            return None
        source = self.lineage.source(batch_id)
        return pipeline_batch(trace, _batch_of(source) if source is not None else None, self.view_context())

    def view_context(self) -> ViewContext:
        console = self.options.heap_url.rstrip("/") if _is_loopback(self.options.heap_url) else None
        return ViewContext(self.settings, self.options.setting_hints, f"{self.public_url}{PIPELINE_PAGE}", console)

    def _mapped(self, batch: dict[str, Any], where: str) -> MappingResult:
        try:
            return map_batch(batch, self.settings)
        except BatchRejected as error:  # the views check first; this keeps the promise if they miss something
            raise BadRequest(error.problem, path=where + error.path.removeprefix("$")) from None


def _batch_of(source: BatchSource) -> dict[str, Any] | None:
    """The batch a kept body holds (it parsed when it arrived, so it parses again)."""
    try:
        document = payloads.parse_body(source.body)
    except BadRequest:
        return None
    found = document[source.index] if source.index is not None else document
    return found if isinstance(found, dict) else None


def _is_loopback(url: str) -> bool:
    """Whether `url` is on this machine: a simulator, whose console the view can link to (real Heap has none)."""
    host = (urlsplit(url).hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def _iso(epoch_s: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch_s)) + f".{int(epoch_s * 1000) % 1000:03d}Z"
