"""Lineage: every batch the front received, and for each of its events the Heap requests it
became (and how their delivery went) or why it was skipped. Kept in memory, bounded.

The store keeps the newest `max_batches` batches, at most `max_events` traced events (or Heap
requests, whichever a batch has more of) and about `max_bytes` of records in all (their text
measured as kept, their rows estimated), forgetting the oldest first, so a front that runs for days
stays flat in memory whatever names it is sent. It also keeps each batch's input as it arrived (the
request body it came in, and its place there) for the newest `max_source_bytes` of bodies, so the
pipeline view can map it again, explained; an older batch keeps its trace without it. It keeps only
plain data it can always render: every received text (names, identities, routes, reasons, JSON
paths) is cut to TEXT_KEPT characters and has any lone surrogate replaced by U+FFFD on the way in,
so no record, accepted or refused, can stop the read API from answering (a refused identity call
naming a key "\ud800" once blanked it). Thread-safe:
request threads add batches, the delivery thread records attempts, readers take snapshots.
Pure apart from its lock: no I/O, and times are passed in.
"""

from __future__ import annotations

import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from forwarder.model import HeapRequest, MappingResult
from heap_facts.names import EVENT_TYPE_FIELD, SCREEN_NAME_FIELD
from heap_facts.paths import ADD_USER_PROPERTIES

DEFAULT_MAX_BATCHES = 1000
DEFAULT_MAX_EVENTS = 50_000
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
DEFAULT_MAX_SOURCE_BYTES = 32 * 1024 * 1024  # of request bodies kept for the pipeline view
ROW_BYTES = 400  # what a record's row, event or request trace costs besides its text (dicts, lists, the dataclass)
NAMES_SHOWN = 20  # Heap event names listed per request; a bulk request of 1000 says "and 980 more"
TEXT_KEPT = 300  # characters of any received text (names, identities, reasons) the store keeps
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # not Unicode text: no JSON writer can write it


@dataclass(frozen=True)
class TracedRequest(HeapRequest):
    """A Heap request that knows where it came from: its batch and its place among the batch's requests."""

    batch_id: int = field(default=0, compare=False)
    position: int = field(default=0, compare=False)

    def trace_fragment(self) -> str:
        """The pipeline view's anchor for the event this request came from."""
        return event_anchor(self.batch_id, self.event_index)


def event_anchor(batch_id: int, event_index: int | None) -> str:
    return f"batch-{batch_id}-" + ("user-attributes" if event_index is None else f"event-{event_index}")


@dataclass(frozen=True)
class BatchSource:
    """Where a batch came from: the request body as received, and its place in a bulk upload's
    array (None: the body is the batch). Several batches of one upload share the one body."""

    body: bytes
    index: int | None = None


@dataclass
class RequestTrace:
    """One Heap request of a batch and how its delivery went."""

    path: str
    event_index: int | None
    heap_events: int
    names: list[str]
    attempts: list[int | None] = field(default_factory=list)
    outcome: str = "queued"  # queued | delivered | failed | unsent
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        throttled = sum(1 for status in self.attempts if status == 429)
        errors = sum(1 for status in self.attempts if status != 429 and not (status is not None and 200 <= status < 300))
        return {
            "path": self.path,
            "heap_events": self.heap_events,
            "names": self.names,
            "outcome": self.outcome,
            "attempts": list(self.attempts),
            "throttled": throttled,
            "errors": errors,  # attempts answered 5xx or 4xx, or not answered at all; each was retried or ended it
            "reason": self.reason,
        }


@dataclass
class BatchTrace:
    """A received batch (or a refused upload, with `refused` set) and its events' fates."""

    id: int
    received_at: str
    route: str
    client: str
    identity: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    requests: list[RequestTrace] = field(default_factory=list)
    refused: dict[str, Any] | None = None
    unsent: bool = False
    source: BatchSource | None = None
    source_bytes: int = 0  # its share of the body, counted against the store's max_source_bytes
    size: int = 0  # estimated bytes of the record itself, measured when it is kept

    @property
    def weight(self) -> int:
        """What the record costs against `max_events`: its events, or its Heap requests if more."""
        return max(1, len(self.events), len(self.requests))

    @property
    def status(self) -> str:
        if self.refused is not None:
            return "refused"
        outcomes = {request.outcome for request in self.requests}
        if not outcomes:
            return "skipped"
        for status in ("queued", "unsent", "failed"):
            if status in outcomes:
                return status
        return "delivered"

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "received_at": self.received_at,
            "route": self.route,
            "client": self.client,
            "identity": self.identity,
            "status": self.status,
            "events_in": sum(1 for event in self.events if event["index"] is not None),  # not the user-attributes row
            "skipped": sum(1 for event in self.events if event["skip_reason"] is not None),
            "heap_requests": len(self.requests),
            "heap_events": sum(request.heap_events for request in self.requests),
            "refused": self.refused,
        }

    def to_json(self) -> dict[str, Any]:
        requests = [request.to_json() for request in self.requests]
        events = [
            {
                **event,
                "anchor": event_anchor(self.id, event["index"]),
                "heap_requests": _of_event(requests, self.requests, event["index"]),
            }
            for event in self.events
        ]
        return {**self.summary(), "events": events}


def _of_event(rendered: list[dict[str, Any]], traces: list[RequestTrace], index: int | None) -> list[dict[str, Any]]:
    return [json for json, trace in zip(rendered, traces, strict=True) if trace.event_index == index]


class LineageStore:
    """The newest batches' lineage, bounded by batch count and by traced events."""

    def __init__(
        self,
        max_batches: int = DEFAULT_MAX_BATCHES,
        max_events: int = DEFAULT_MAX_EVENTS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_source_bytes: int = DEFAULT_MAX_SOURCE_BYTES,
    ) -> None:
        self.max_batches, self.max_events, self.max_bytes, self.max_source_bytes = max_batches, max_events, max_bytes, max_source_bytes
        self._lock = threading.Lock()
        self._batches: OrderedDict[int, BatchTrace] = OrderedDict()
        self._next_id = 1
        self._events_kept = 0
        self._bytes_kept = 0
        self._source_bytes = 0
        self.received = 0

    def add_batch(
        self, received_at: str, route: str, client: str, batch: Mapping[str, Any], mapped: MappingResult,
        source: BatchSource | None = None, source_bytes: int = 0,
    ) -> tuple[int, list[TracedRequest]]:
        """Record an accepted batch (and where it came from, `source_bytes` of it counted); returns
        its lineage ID and its Heap requests, each traced back to it."""
        with self._lock:
            trace = BatchTrace(
                self._take_id(), received_at, _text(route), client, _short(mapped.identity), source=source, source_bytes=source_bytes
            )
            trace.events = _event_rows(batch, mapped)
            traced = [_traced(request, trace.id, position) for position, request in enumerate(mapped.requests)]
            trace.requests = [_request_trace(request) for request in traced]
            self._keep(trace)
        return trace.id, traced

    def source(self, batch_id: int) -> BatchSource | None:
        """Where a kept batch came from, or None once its body is no longer kept (or it is forgotten)."""
        with self._lock:
            trace = self._batches.get(batch_id)
            return trace.source if trace is not None else None

    def add_refused(self, received_at: str, route: str, client: str, status: int, message: str, path: str | None) -> int:
        """Record an upload that was refused whole (a 4xx or the full queue), so the developer sees why."""
        with self._lock:
            refused = {"status": status, "message": _short(message), "path": _short(path)}
            trace = BatchTrace(self._take_id(), received_at, _text(route), client, refused=refused)
            self._keep(trace)
            return trace.id

    def attempted(self, request: HeapRequest, status: int | None) -> None:
        """One HTTP attempt of a traced request came back with `status` (None: no answer)."""
        with self._lock:
            trace = self._request(request)
            if trace is not None:
                trace.attempts.append(status)
                if status is not None and 200 <= status < 300:
                    trace.outcome, trace.reason = "delivered", None

    def finished(self, request: HeapRequest, failure: str | None) -> None:
        """Delivery of a traced request ended: delivered (`failure` None) or given up with the reason."""
        with self._lock:
            trace = self._request(request)
            if trace is not None:
                trace.outcome, trace.reason = ("delivered", None) if failure is None else ("failed", _short(failure))

    def unsent(self, request: HeapRequest, reason: str) -> None:
        """The front stopped before this request could be delivered."""
        with self._lock:
            trace = self._request(request)
            if trace is not None and trace.outcome == "queued":
                trace.outcome, trace.reason = "unsent", _text(reason)

    def batches(self, limit: int = 100) -> list[dict[str, Any]]:
        """Summaries of the newest `limit` batches, newest first."""
        with self._lock:
            newest = list(self._batches.values())[-limit:] if limit > 0 else []
            return [trace.summary() for trace in reversed(newest)]

    def batch(self, batch_id: int) -> dict[str, Any] | None:
        with self._lock:
            trace = self._batches.get(batch_id)
            return trace.to_json() if trace is not None else None

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {"received": self.received, "kept": len(self._batches), "events_kept": self._events_kept, "bytes_kept": self._bytes_kept}

    # --- internals, called with the lock held ----------------------------------------------------
    def _take_id(self) -> int:
        batch_id, self._next_id = self._next_id, self._next_id + 1
        self.received += 1
        return batch_id

    def _keep(self, trace: BatchTrace) -> None:
        trace.size = _size(trace)
        self._batches[trace.id] = trace
        self._events_kept += trace.weight
        self._bytes_kept += trace.size
        self._source_bytes += trace.source_bytes
        while len(self._batches) > 1 and self._over():
            _, oldest = self._batches.popitem(last=False)
            self._events_kept -= oldest.weight
            self._bytes_kept -= oldest.size
            self._source_bytes -= oldest.source_bytes
        for kept in self._batches.values():  # past the budget, the oldest batches let their bodies go
            if self._source_bytes <= self.max_source_bytes or kept is trace:
                break
            self._source_bytes -= kept.source_bytes
            kept.source, kept.source_bytes = None, 0

    def _over(self) -> bool:
        return len(self._batches) > self.max_batches or self._events_kept > self.max_events or self._bytes_kept > self.max_bytes

    def _request(self, request: HeapRequest) -> RequestTrace | None:
        if not isinstance(request, TracedRequest):
            return None
        trace = self._batches.get(request.batch_id)
        if trace is None or request.position >= len(trace.requests):
            return None  # forgotten already: the store keeps only the newest batches
        return trace.requests[request.position]


def _size(trace: BatchTrace) -> int:
    """A record's bytes: its text as kept (a cut name with its "…" takes two bytes a character), and its rows."""
    text = sum(sys.getsizeof(value) for row in trace.events for value in row.values() if isinstance(value, str))
    text += sum(sys.getsizeof(name) for request in trace.requests for name in request.names)
    return text + ROW_BYTES * (1 + len(trace.events) + len(trace.requests))


def _short(text: str | None) -> str | None:
    """Received text as the store keeps it (see `_text`); None stays None."""
    return None if text is None else _text(text)


def _text(text: str) -> str:
    """Received text cut to TEXT_KEPT characters, so the store's size does not depend on what clients
    send, and with lone surrogates replaced, so it can always be written as JSON."""
    kept = text if len(text) <= TEXT_KEPT else text[:TEXT_KEPT] + "…"
    return kept if kept.isascii() else _LONE_SURROGATE.sub("\ufffd", kept)


def _traced(request: HeapRequest, batch_id: int, position: int) -> TracedRequest:
    return TracedRequest(request.path, request.body, request.event_index, batch_id=batch_id, position=position)


def _request_trace(request: HeapRequest) -> RequestTrace:
    return RequestTrace(request.path, request.event_index, request.heap_events, _heap_names(request))


def _heap_names(request: HeapRequest) -> list[str]:
    if request.path == ADD_USER_PROPERTIES:
        properties = request.body.get("properties") or {}
        return [_short(f"user properties: {', '.join(list(properties)[:NAMES_SHOWN])}") or ""]
    events = request.body.get("events")
    shown = events[:NAMES_SHOWN] if isinstance(events, list) else [request.body]
    names = [_short(str(event.get("event"))) or "" for event in shown]
    more = request.heap_events - len(names)
    return [*names, f"and {more} more"] if more > 0 else names


def _event_rows(batch: Mapping[str, Any], mapped: MappingResult) -> list[dict[str, Any]]:
    """One row per mParticle event (and one for user attributes when they were mapped, skipped or
    withheld by the forward_user_attributes setting)."""
    events = batch.get("events") or []
    reasons = {skip.index: skip.reason for skip in (*mapped.skipped, *mapped.withheld)}
    rows = [
        {
            "index": index,
            EVENT_TYPE_FIELD: _short(str(event.get(EVENT_TYPE_FIELD))),
            "name": _short(_event_name(event)),
            "skip_reason": _short(reasons.get(index)),
        }
        for index, event in enumerate(events)
    ]
    if None in reasons or any(request.event_index is None for request in mapped.requests):
        rows.append({"index": None, EVENT_TYPE_FIELD: "user_attributes", "name": None, "skip_reason": _short(reasons.get(None))})
    return rows


def _event_name(event: Mapping[str, Any]) -> str | None:
    data = event.get("data")
    if not isinstance(data, Mapping):
        return None
    for key in ("event_name", SCREEN_NAME_FIELD):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value
    product_action = data.get("product_action")
    if isinstance(product_action, Mapping) and isinstance(product_action.get("action"), str):
        return f"product action {product_action['action']}"
    return None
