"""`Front`: what one running front shares between its views: settings, lineage, queue, recorder.

Accepting a request is all or nothing: every batch is checked and mapped first (pure), then
they are queued together or not at all, and only then recorded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from forwarder.delivery import Forwarder
from forwarder.front.delivery import DEFAULT_CAPACITY, DEFAULT_MAX_BYTES, DeliveryQueue, DrainReport, Job
from forwarder.front.errors import BadRequest, FrontError
from forwarder.front.lineage import LineageStore, TracedRequest
from forwarder.front.recorder import Recorder
from forwarder.mapping import map_batch
from forwarder.model import BatchRejected, HeapRequest, MappingResult
from forwarder.pacing import Limit
from forwarder.settings import Settings
from heap_facts.wire import LINEAGE_HEADER

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
    queue_max_bytes: int = DEFAULT_MAX_BYTES
    record_dir: Path | None = None
    max_attempts: int = 6
    limits: dict[str, Limit] | None = None


class Front:
    """The front's state and its one operation, `accept`."""

    def __init__(
        self,
        options: FrontOptions,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.options = options
        self.settings = options.settings
        self.now = now
        self.public_url = ""  # set once the server is bound; lineage links point here
        self.lineage = LineageStore()
        forwarder = Forwarder(
            options.settings, options.heap_url, session=session, clock=clock, sleep=sleep,
            max_attempts=options.max_attempts, limits=options.limits, headers_for=self.lineage_header,
        )  # fmt: skip
        self.queue = DeliveryQueue(forwarder, self.lineage, capacity=options.queue_capacity, max_bytes=options.queue_max_bytes)
        self.recorder = Recorder(
            options.record_dir or DEFAULT_RECORD_DIR, options.settings, recording=options.record_dir is not None
        )

    def start(self) -> Front:
        self.queue.start()
        return self

    def stop(self, drain_s: float) -> DrainReport:
        return self.queue.close(drain_s)

    def accept(self, route: str, client: str, batches: list[dict[str, Any]], size: int) -> list[int]:
        """Map and queue every batch of a `size`-byte request, or none (BadRequest, QueueFull); returns their lineage IDs."""
        mapped = [self._mapped(batch, f"$[{index}]" if len(batches) > 1 else "$") for index, batch in enumerate(batches)]
        received_at = _iso(self.now())

        def build() -> list[Job]:
            jobs = []
            for batch, result in zip(batches, mapped, strict=True):
                batch_id, traced = self.lineage.add_batch(received_at, route, client, batch, result)
                jobs.append(Job(batch_id, tuple(traced), size // len(batches)))
            return jobs

        jobs = self.queue.offer(len(batches), size, build)
        self.recorder.record(batches)
        return [job.batch_id for job in jobs]

    def refuse(self, route: str, client: str, error: FrontError) -> None:
        """Keep a refused upload in the lineage, so a developer sees why nothing arrived."""
        self.lineage.add_refused(_iso(self.now()), route, client, error.status, error.message, error.path)

    def lineage_header(self, request: HeapRequest) -> Mapping[str, str]:
        if not isinstance(request, TracedRequest):
            return {}
        return {LINEAGE_HEADER: f"{self.public_url}{LINEAGE_PAGE}#{request.trace_fragment()}"}

    def _mapped(self, batch: dict[str, Any], where: str) -> MappingResult:
        try:
            return map_batch(batch, self.settings)
        except BatchRejected as error:  # the views check first; this keeps the promise if they miss something
            raise BadRequest(error.problem, path=where + error.path.removeprefix("$")) from None


def _iso(epoch_s: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch_s)) + f".{int(epoch_s * 1000) % 1000:03d}Z"
