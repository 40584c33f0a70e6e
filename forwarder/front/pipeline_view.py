"""The pipeline view's data: for each mParticle event of a batch, its input beside the Heap requests
and events it became and how Heap answered, field by field as the mapping itself explains it.

Pure: the front hands in the batch's trace (forwarder.front.lineage), the batch as it arrived and
the settings; the batch is mapped again with `explain=True` (the mapping is deterministic, so these
are the requests that were sent, idempotency keys and all) and the two are laid side by side.
Everything received is cut to `TEXT_SHOWN` characters and every list to a bound, so one huge
batch cannot make a huge page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson

from forwarder.batch import identity_field
from forwarder.mapping import map_batch
from forwarder.model import AttributeChange, EventExplanation, HeapRequest, MappingResult, SkippedEvent
from forwarder.sections import TITLES
from forwarder.settings import Settings
from forwarder.values import non_finite_text
from heap_facts.lengths import MAX_SAFE_INTEGER
from heap_facts.paths import ADD_USER_PROPERTIES

TEXT_SHOWN = 300  # characters of any received text the view shows
CHANGES_SHOWN = 300  # field notes per mParticle event (a commerce event of 1000 products has thousands)
HEAP_EVENTS_SHOWN = 50  # Heap events per request shown whole (a bulk request holds up to 1000)
FIELDS_SHOWN = 100  # input attributes and Heap properties per event


@dataclass(frozen=True)
class ViewContext:
    """What the view needs besides the batch: the settings, how to change each, and where links go."""

    settings: Settings
    hints: Mapping[str, str]  # setting name -> how to change it where this front runs
    lineage_base: str  # this front's pipeline page; + "#" + anchor is the X-Heap-Sim-Lineage it sent
    console_url: str | None  # the simulator's console, when delivering to one


def pipeline_batch(trace: dict[str, Any], batch: Mapping[str, Any] | None, context: ViewContext) -> dict[str, Any]:
    """The batch's trace with, per event, its input, the field notes and the Heap events it became.

    Without the batch (its body is no longer kept) the trace alone is shown, saying so."""
    if batch is None or trace.get("refused") is not None:
        return {**trace, "input_kept": batch is not None, "settings": settings_json(context)}
    mapped = map_batch(batch, context.settings, explain=True)
    explained = {event.index: event for event in mapped.explanations}
    events = [_event(row, batch, mapped, explained.get(row["index"]), context) for row in trace["events"]]
    return {**trace, "input_kept": True, "settings": settings_json(context), "identity_from": identity_field(context.settings), "events": events}


def settings_json(context: ViewContext) -> list[dict[str, Any]]:
    """The connection settings in force, each with how to change it here."""
    values = vars(context.settings)
    return [{"name": name, "value": value, "change": context.hints.get(name)} for name, value in values.items()]


def _event(
    row: dict[str, Any], batch: Mapping[str, Any], mapped: MappingResult, explanation: EventExplanation | None, context: ViewContext
) -> dict[str, Any]:
    index = row["index"]
    changes = list(explanation.changes) if explanation is not None else []
    skipped = explanation.skipped if explanation is not None else None
    requests = [request for request in mapped.requests if request.event_index == index]
    lineage = f"{context.lineage_base}#{row['anchor']}"
    return {
        **row,
        "heap_requests": [_heap_request(trace, request) for trace, request in _paired(row["heap_requests"], requests)],
        "input": _input(batch, index),
        "changes": [_change(change) for change in changes[:CHANGES_SHOWN]],
        "changes_more": max(0, len(changes) - CHANGES_SHOWN),
        "skipped": _skip(skipped, context) if skipped is not None else None,
        "lineage": lineage,
        "console": _console_links(context.console_url, lineage, index) if row["heap_requests"] else None,
    }


def _paired(traces: list[dict[str, Any]], requests: list[HeapRequest]) -> list[tuple[dict[str, Any], HeapRequest | None]]:
    """Each request's trace with the request mapped again (None if they ever disagreed in number)."""
    if len(traces) != len(requests):
        return [(trace, None) for trace in traces]
    return list(zip(traces, requests, strict=True))


def _heap_request(trace: dict[str, Any], request: HeapRequest | None) -> dict[str, Any]:
    if request is None:
        return trace
    if request.path == ADD_USER_PROPERTIES:
        body = request.body
        return {**trace, "identity": body.get("identity"), "properties": _shown(body.get("properties") or {})}
    bodies = request.body.get("events", [request.body])
    return {**trace, "heap_event_list": [_heap_event(event) for event in bodies[:HEAP_EVENTS_SHOWN]],
            "heap_events_more": max(0, len(bodies) - HEAP_EVENTS_SHOWN)}  # fmt: skip


def _heap_event(event: Mapping[str, Any]) -> dict[str, Any]:
    fields = {name: _text(event.get(name)) for name in ("event", "identity", "timestamp", "session_id", "idempotency_key")}
    return {**fields, "properties": _shown(event.get("properties") or {})}


def _input(batch: Mapping[str, Any], index: int | None) -> dict[str, Any]:
    """The mParticle side: the event's data fields (attributes apart), or the batch's user attributes."""
    if index is None:
        return {"attributes": _shown(batch.get("user_attributes") or {})}
    data = (batch.get("events") or [])[index].get("data") or {}
    attributes = data.get("custom_attributes")
    others = {name: value for name, value in data.items() if name != "custom_attributes"}
    return {"attributes": _shown(attributes if isinstance(attributes, Mapping) else {}), "fields": _shown(others)}


def _change(change: AttributeChange) -> dict[str, Any]:
    return {**change.to_json(), "source": _text(change.source), "target": _text(change.target), "section_title": TITLES.get(change.section)}


def _skip(skipped: SkippedEvent, context: ViewContext) -> dict[str, Any]:
    change = context.hints.get(skipped.setting) if skipped.setting else None
    value = vars(context.settings).get(skipped.setting) if skipped.setting else None
    return {**skipped.explained(), "section_title": TITLES.get(skipped.section), "setting_value": value, "change": change}


def _console_links(console_url: str | None, lineage: str, index: int | None) -> dict[str, str] | None:
    """The simulator console's own filters to what this event became (its events and its requests)."""
    if console_url is None:
        return None
    query = quote(lineage, safe="")
    links = {"requests": f"{console_url}/#requests?lineage={query}"}
    if index is not None:
        links["events"] = f"{console_url}/#events?lineage={query}"
    return links


def _shown(values: Mapping[str, Any]) -> list[list[Any]]:
    """Name/value pairs as the page shows them: at most FIELDS_SHOWN, texts cut, objects as JSON text."""
    shown: list[list[Any]] = [[_text(name), _value(value)] for name, value in list(values.items())[:FIELDS_SHOWN]]
    if len(values) > FIELDS_SHOWN:
        shown.append(["…", f"and {len(values) - FIELDS_SHOWN} more"])
    return shown


def _value(value: Any) -> Any:
    """A value as it was sent, to show beside what Heap got: JSON kinds kept (true stays true), long text cut."""
    if isinstance(value, float) and not math.isfinite(value):
        return non_finite_text(value)  # as the sender wrote it; the page's JSON has no number for it
    if value is None or isinstance(value, bool) or (isinstance(value, (int, float)) and abs(value) <= MAX_SAFE_INTEGER):
        return value
    if isinstance(value, str):
        return _text(value)
    try:
        return _text(orjson.dumps(value).decode())
    except TypeError:
        return _text(str(value))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= TEXT_SHOWN else f"{text[:TEXT_SHOWN]}… ({len(text)} characters)"
