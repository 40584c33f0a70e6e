"""`map_batch`: one mParticle batch to the ordered Heap requests it becomes, and what it skips.

Pure: no I/O, no clock, no randomness, so the same batch and settings always give the same
requests, down to the idempotency keys. The rules are the seed page's (Event Data Mapping, the
commerce table, the settings); where it is silent, MAPPING.md records the decision.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import orjson

from forwarder.batch import checked_events, identity_of, identity_problem, platform_of, platform_problem
from forwarder.commerce import commerce_events_bound, expand_commerce, has_commerce
from forwarder.model import TRACK_PATH, USER_PROPERTIES_PATH, HeapRequest, MappingResult, SkippedEvent
from forwarder.settings import Settings
from forwarder.values import HeapValue, cut, epoch_ms, heap_properties, heap_value, id_text
from heap_facts.lengths import MAX_BULK_ITEMS
from heap_facts.names import SCREEN_VIEW_PREFIX, SUPPORTED_EVENT_TYPES, is_reserved_user_property
from heap_facts.times import iso_utc

MAX_BULK_EVENTS = MAX_BULK_ITEMS  # D-btrack: "a max of 1000 events per request"
SESSION_START_EVENT = "Session Start"
SESSION_END_EVENT = "Session End"
DEFAULT_CUSTOM_EVENT_TYPE = "other"  # S4's default; real batches omit it (S13)


def map_batch(batch: Any, settings: Settings) -> MappingResult:
    """The Heap requests for `batch`, in order, and the events it skips with their reasons.

    Raises BatchRejected (naming the JSON path) when the batch is too broken to map at all.
    """
    events = checked_events(batch)
    identity = identity_of(batch, settings)
    problem = platform_problem(platform_of(batch), settings) or identity_problem(identity, settings)
    if problem is not None or identity is None:
        return _skip_whole_batch(batch, events, settings, problem or "missing identity")
    mapper = _BatchMapper(batch, settings, identity)
    for index, event in enumerate(events):
        mapper.map_event(index, event)
    return MappingResult(tuple(mapper.requests), tuple(mapper.skipped), len(events), identity)


def heap_events_bound(event: Mapping[str, Any]) -> int:
    """At most how many Heap events one mParticle event (of a batch `checked_events` passed) becomes,
    counted without mapping it: one, or for a commerce event one per product or promotion and more.
    Cheap enough to judge an upload by before the mapping's work is done."""
    data = event.get("data")
    if str(event.get("event_type")).strip().lower() == "commerce_event" and isinstance(data, Mapping):
        return commerce_events_bound(data)
    return 1


def _skip_whole_batch(batch: Mapping[str, Any], events: list[dict[str, Any]], settings: Settings, reason: str) -> MappingResult:
    skipped = [SkippedEvent(index, str(event["event_type"]), reason) for index, event in enumerate(events)]
    if settings.forward_user_attributes and _has_user_attributes(batch):
        skipped.append(SkippedEvent(None, "user_attributes", reason))
    return MappingResult((), tuple(skipped), len(events), None)


def _has_user_attributes(batch: Mapping[str, Any]) -> bool:
    attributes = batch.get("user_attributes")
    return isinstance(attributes, Mapping) and any(value is not None for value in attributes.values())


class _BatchMapper:
    """The state of mapping one batch: identity, fallback time, key prefix and the growing results."""

    def __init__(self, batch: Mapping[str, Any], settings: Settings, identity: str) -> None:
        self.settings = settings
        self.app_id = settings.app_id
        self.identity = identity
        self.batch_ms = epoch_ms(batch.get("timestamp_unixtime_ms"))
        self.key_prefix = batch_key(batch)
        self.requests: list[HeapRequest] = []
        self.skipped: list[SkippedEvent] = []
        if settings.forward_user_attributes:
            self._add_user_properties(batch.get("user_attributes"))

    def map_event(self, index: int, event: Mapping[str, Any]) -> None:
        event_type = str(event["event_type"]).strip().lower()
        handler = self._handlers.get(event_type)
        if handler is None:
            unsupported = f"event type {event_type!r} is not forwarded (the seed lists custom, commerce, screen view, session start/end)"
            self.skipped.append(SkippedEvent(index, event_type, unsupported))
            return
        reason = handler(self, index, event["data"])
        if reason is not None:
            self.skipped.append(SkippedEvent(index, event_type, reason))

    # --- one handler per supported event type; each returns a skip reason or None ---------------
    def _custom_event(self, index: int, data: Mapping[str, Any]) -> str | None:
        name = _text(data.get("event_name"))
        if name is None:
            return "custom event without an event_name: Heap requires an event name"
        properties = heap_properties(data.get("custom_attributes"))
        event_type = heap_value(data.get("custom_event_type"))
        properties["event_type"] = DEFAULT_CUSTOM_EVENT_TYPE if event_type in (None, "") else event_type
        self._track(index, data, name, properties)
        return None

    def _screen_view(self, index: int, data: Mapping[str, Any]) -> str | None:
        screen_name = _text(data.get("screen_name")) or _text(data.get("event_name"))
        if screen_name is None:
            return "screen view without a screen_name or event_name to name it by"
        properties = heap_properties(data.get("custom_attributes"))
        properties["screen_name"] = cut(screen_name)
        self._track(index, data, SCREEN_VIEW_PREFIX + screen_name, properties)
        return None

    def _session_start(self, index: int, data: Mapping[str, Any]) -> str | None:
        self._track(index, data, SESSION_START_EVENT, heap_properties(data.get("custom_attributes")))
        return None

    def _session_end(self, index: int, data: Mapping[str, Any]) -> str | None:
        properties = heap_properties(data.get("custom_attributes"))
        duration = heap_value(data.get("session_duration_ms"))
        if duration is not None:
            properties["session_duration_ms"] = duration
        self._track(index, data, SESSION_END_EVENT, properties)
        return None

    def _commerce_event(self, index: int, data: Mapping[str, Any]) -> str | None:
        if not has_commerce(data):
            return "commerce event without product_action, promotion_action or product_impressions: nothing to map"
        common = self._common_fields(data)
        events = [self._heap_event(name, properties, common, index, sub) for sub, (name, properties) in enumerate(expand_commerce(data))]
        for start in range(0, len(events), MAX_BULK_EVENTS):
            body = {"app_id": self.app_id, "events": events[start : start + MAX_BULK_EVENTS]}
            self.requests.append(HeapRequest(TRACK_PATH, body, index))
        return None

    _handlers: ClassVar[dict[str, Callable[[_BatchMapper, int, Mapping[str, Any]], str | None]]] = {
        "custom_event": _custom_event,
        "screen_view": _screen_view,
        "session_start": _session_start,
        "session_end": _session_end,
        "commerce_event": _commerce_event,
    }

    # --- building bodies -----------------------------------------------------------------------
    def _track(self, index: int, data: Mapping[str, Any], name: str, properties: dict[str, HeapValue]) -> None:
        body = self._heap_event(name, properties, self._common_fields(data), index, 0)
        self.requests.append(HeapRequest(TRACK_PATH, {"app_id": self.app_id, **body}, index))

    def _common_fields(self, data: Mapping[str, Any]) -> dict[str, str]:
        """identity, timestamp and session_id: the same on an event and on all its commerce sub-events."""
        fields: dict[str, str] = {"identity": self.identity}
        millis = epoch_ms(data.get("timestamp_unixtime_ms")) or self.batch_ms
        if millis is not None:
            fields["timestamp"] = iso_utc(millis)
        session_id = id_text(data.get("session_id")) or id_text(data.get("session_uuid"))
        if session_id is not None:
            fields["session_id"] = cut(session_id)
        return fields

    def _heap_event(self, name: str, properties: dict[str, HeapValue], common: dict[str, str], index: int, sub: int) -> dict[str, Any]:
        event: dict[str, Any] = {**common, "event": cut(name), "idempotency_key": self._key(index, sub)}
        if properties:
            event["properties"] = properties
        return event

    def _key(self, index: int, sub: int) -> str:
        return hashlib.blake2b(f"{self.key_prefix}\x00{index}\x00{sub}".encode(), digest_size=16).hexdigest()

    def _add_user_properties(self, attributes: Any) -> None:
        properties = user_properties(attributes)
        if properties:
            body = {"app_id": self.app_id, "identity": self.identity, "properties": properties}
            self.requests.append(HeapRequest(USER_PROPERTIES_PATH, body))


def user_properties(attributes: Any) -> dict[str, HeapValue]:
    """User attributes as Heap user properties: values by the one rule, and any casing of `id`
    (which Heap refuses, D-aup) renamed to `mparticle_<name>` unless that name is already taken."""
    properties = heap_properties(attributes)
    for name in [name for name in properties if is_reserved_user_property(name)]:
        value = properties.pop(name)
        renamed = f"mparticle_{name}"
        properties.setdefault(renamed, value)
    return properties


def batch_key(batch: Mapping[str, Any]) -> str:
    """What makes a batch the same batch on every run: its source_request_id, mParticle's own
    de-duplication key (S1), or else a digest of its whole content."""
    source_request_id = id_text(batch.get("source_request_id"))
    if source_request_id is not None:
        return "srid:" + source_request_id
    try:
        canonical = orjson.dumps(batch, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # an integer beyond 64 bits, which only the stdlib encoder writes
        canonical = json.dumps(batch, sort_keys=True, separators=(",", ":"), default=str).encode()
    return "sha256:" + hashlib.sha256(canonical).hexdigest()


def _text(value: Any) -> str | None:
    """A name sent as a string (or, leniently, a number); None when absent or blank."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None

