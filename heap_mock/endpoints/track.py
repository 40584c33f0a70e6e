"""`POST /api/track`: one event (D-track) or a bulk `events[]` of at most 1000 (D-btrack)."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from heap_facts.lengths import MAX_IDENTITY
from heap_mock.endpoints.common import (
    ABSENT,
    MAX_NAME,
    Findings,
    check_app_id,
    check_bulk_items,
    check_identity,
    check_optional_string,
    check_properties,
    check_timestamp,
    check_user_id,
    require_object,
)
from heap_mock.endpoints.view import success_answer, validated
from heap_mock.fidelity import Fidelity, RequestWarning
from heap_mock.ratelimit import Demand
from http_layer.answers import Answer

if TYPE_CHECKING:
    from heap_mock.simulator import Call

# Per-event fields of D-track; a single-event body also carries app_id at the same level.
EVENT_FIELDS = ("event", "identity", "user_id", "timestamp", "properties", "session_id", "idempotency_key")


class TrackEvent(NamedTuple):
    """One validated event. A tuple of plain values, so the garbage collector stops tracking the
    100,000s the simulator may hold (a slotted class would be scanned on every full collection)."""

    app_id: str
    identity: str | None
    user_id: str | None
    event: str
    timestamp: float
    properties: dict[str, str | int | float]
    session_id: str | None
    idempotency_key: str | None
    warnings: tuple[RequestWarning, ...] = ()  # the documented rules it broke and was accepted anyway

    @property
    def subject(self) -> tuple[str, ...]:
        """Who the event is about, as the per-identity rate limits key it: (identity,) or
        ("user_id", id). Different lengths, so no identity (not even "user_id:5") shares a user_id's budget."""
        return (self.identity,) if self.identity is not None else ("user_id", str(self.user_id))


@dataclass(frozen=True)
class TrackRequest:
    app_id: str
    events: list[TrackEvent]
    bulk: bool
    warnings: tuple[RequestWarning, ...] = ()


def is_bulk(body: Any) -> bool:
    return isinstance(body, dict) and "events" in body


def validate_track(
    body: Any, *, now: float, max_bulk_items: int, truncate_long: bool, fidelity: Fidelity = Fidelity.OBSERVED
) -> TrackRequest:
    """Validate a track body, single or bulk, all or nothing."""
    findings = Findings(fidelity=fidelity)
    body = require_object(body, findings)
    app_id = check_app_id(body, findings)
    bulk = is_bulk(body)
    # Heap reports single-event errors at postBody.events[0] (PHP1 issue #4), so we do too.
    items = check_bulk_items(body, "events", max_bulk_items, findings) if bulk else [body]
    events = [
        _check_event(item, f"postBody.events[{index}]", app_id, findings, now, truncate_long)
        for index, item in enumerate(items or [])
    ]
    findings.raise_if_any()
    return TrackRequest(app_id, [e for e in events if e is not None], bulk, tuple(findings.warnings))


def _check_event(
    item: dict[str, Any], path: str, app_id: str, findings: Findings, now: float, truncate_long: bool
) -> TrackEvent | None:
    name = check_event_name(item, path, findings)
    identity, user_id = _check_subject(item, path, findings)
    return event_record(item, path, app_id, findings, now, truncate_long, name, identity, user_id)


def event_record(
    item: dict[str, Any], path: str, app_id: str, findings: Findings, now: float, truncate_long: bool,
    name: str | None, identity: str | None, user_id: str | None, property_keys: tuple[str, ...] = ("properties",),
) -> TrackEvent:
    """The checked event, with the warnings its own fields drew (shared with the partner endpoint)."""
    first_warning = len(findings.warnings)
    event = TrackEvent(
        app_id=app_id,
        identity=identity,
        user_id=user_id,
        event=sys.intern(name) if name else "",  # names repeat: one copy each keeps the store small
        timestamp=check_timestamp(item.get("timestamp", ABSENT), path, findings, now),
        properties=_merged_properties(item, path, findings, truncate_long, property_keys),
        session_id=check_optional_string(item, "session_id", path, "session_id.format", findings),
        idempotency_key=check_optional_string(item, "idempotency_key", path, "idempotency_key.format", findings),
    )
    if len(findings.warnings) > first_warning:
        event = event._replace(warnings=tuple(findings.warnings[first_warning:]))
    return event


def _merged_properties(
    item: dict[str, Any], path: str, findings: Findings, truncate_long: bool, keys: tuple[str, ...]
) -> dict[str, str | int | float]:
    if len(keys) == 1:
        return check_properties(item, path, findings, join_arrays=True, truncate_long=truncate_long, key=keys[0])
    merged: dict[str, str | int | float] = {}
    for key in keys:  # later keys win, as a client listing both would expect
        merged.update(check_properties(item, path, findings, join_arrays=True, truncate_long=truncate_long, key=key))
    return merged


def check_event_name(item: dict[str, Any], path: str, findings: Findings) -> str | None:
    name = item.get("event")
    if "event" not in item:
        findings.add("track.event.required", path, "should have required property 'event'")
    elif not isinstance(name, str) or name == "":
        findings.add("track.event.required", f"{path}.event", "should be a non-empty string")
    elif len(name) > MAX_NAME:
        findings.add("track.event.length", f"{path}.event", f"should NOT be longer than {MAX_NAME} characters")
    else:
        return name
    return None


def _check_subject(item: dict[str, Any], path: str, findings: Findings) -> tuple[str | None, str | None]:
    """D-track: "either the identity or user_id param, but not both"."""
    has_identity, has_user_id = "identity" in item, "user_id" in item  # null is a value (refused below), not an absence
    if has_identity == has_user_id:
        which = "both" if has_identity else "neither"
        findings.add("track.identity_xor_user_id", path, f"should have exactly one of 'identity' and 'user_id', has {which}")
        return None, None
    if has_identity:
        identity = item["identity"]
        if type(identity) is str and 0 < len(identity) <= MAX_IDENTITY:
            return identity, None  # the common case, without building a JSON path
        return check_identity(identity, f"{path}.identity", findings), None
    return None, check_user_id(item["user_id"], f"{path}.user_id", findings)


# --- the view ---------------------------------------------------------------------------------------
def track(call: Call) -> Answer:
    return store_track(call, validate_track, None)


def store_track(call: Call, validate: Callable[..., TrackRequest], endpoint: str | None) -> Answer:
    """Validate a track body (public or partner), admit it under the limits and store it."""
    sim = call.sim
    now = sim.clock.now()
    parsed = validated(call, validate, now=now)
    call.exchange.stored = sim.state.ingest_track(parsed, call.exchange.request_id, now, sim.clock.rate, endpoint, call.exchange.lineage)
    call.exchange.warnings = parsed.warnings  # set once stored: a throttled request keeps none
    return success_answer(sim.config.success_body)


# --- what it costs under Heap's limits --------------------------------------------------------------
def track_demands(request: TrackRequest) -> list[Demand]:
    """A single track costs one request of its identity's budget; a bulk one, its events of each
    identity's and of the app's (D-track, D-btrack)."""
    if not request.bulk:
        return [Demand("track", (request.app_id, *request.events[0].subject), 1)]
    per_subject = Counter(event.subject for event in request.events)
    demands = [Demand("bulk_identity", (request.app_id, *subject), n) for subject, n in per_subject.items()]
    return [*demands, Demand("bulk_app", (request.app_id,), len(request.events))]
