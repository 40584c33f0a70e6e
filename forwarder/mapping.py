"""`map_batch`: one mParticle batch to the ordered Heap requests it becomes, and what it skips.

Pure: no I/O, no clock, no randomness, so the same batch and settings always give the same
requests, down to the idempotency keys. The rules are the seed page's (Event Data Mapping, the
commerce table, the settings); where it is silent, MAPPING.md records the decision.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import orjson

from forwarder import sections
from forwarder.batch import checked_events, identity_field, identity_of, identity_problem, platform_of, platform_problem
from forwarder.commerce import commerce_events_bound, expand_commerce, has_commerce
from forwarder.explain import Notes
from forwarder.model import (
    ADDED,
    CONVERTED,
    CUT,
    DROPPED,
    KEPT,
    RENAMED,
    EventExplanation,
    HeapRequest,
    MappingResult,
    SkipCause,
    SkippedEvent,
)  # fmt: skip
from forwarder.settings import Settings
from forwarder.values import MAX_LENGTH, HeapValue, convert, cut, describe, epoch_ms, heap_properties, heap_value, id_text
from heap_facts.lengths import MAX_BULK_ITEMS
from heap_facts.names import (
    COMMERCE_EVENT,
    CUSTOM_EVENT,
    DEFAULT_CUSTOM_EVENT_TYPE,
    EVENT_TYPE_FIELD,
    EVENT_TYPE_PROPERTY,
    SCREEN_NAME_FIELD,
    SCREEN_NAME_PROPERTY,
    SCREEN_VIEW,
    SCREEN_VIEW_PREFIX,
    SESSION_END,
    SESSION_EVENT_NAMES,
    SESSION_START,
    is_reserved_user_property,
)  # fmt: skip
from heap_facts.paths import ADD_USER_PROPERTIES, TRACK
from heap_facts.times import iso_utc

MAX_BULK_EVENTS = MAX_BULK_ITEMS  # D-btrack: "a max of 1000 events per request"
SESSION_START_EVENT = SESSION_EVENT_NAMES[SESSION_START]
SESSION_END_EVENT = SESSION_EVENT_NAMES[SESSION_END]


def map_batch(batch: Any, settings: Settings, *, explain: bool = False) -> MappingResult:
    """The Heap requests for `batch`, in order, and the events it skips with their reasons.

    With `explain`, the result also says, per event, what became of each field and which
    MAPPING.md section decided it (the pipeline view shows it); the requests are the same.
    Raises BatchRejected (naming the JSON path) when the batch is too broken to map at all.
    """
    events = checked_events(batch)
    identity = identity_of(batch, settings)
    problem = platform_problem(platform_of(batch), settings) or identity_problem(identity, settings)
    if problem is not None or identity is None:
        return _skip_whole_batch(batch, events, settings, problem or SkipCause("missing identity", sections.IDENTITY), explain)
    mapper = _BatchMapper(batch, settings, identity, explain)
    for index, event in enumerate(events):
        mapper.map_event(index, event)
    result = MappingResult(tuple(mapper.requests), tuple(mapper.skipped), len(events), identity, tuple(mapper.explanations))
    return _with_withheld(result, batch, settings, explain)


def heap_events_bound(event: Mapping[str, Any]) -> int:
    """At most how many Heap events one mParticle event (of a batch `checked_events` passed) becomes,
    counted without mapping it: one, or for a commerce event one per product or promotion and more.
    Cheap enough to judge an upload by before the mapping's work is done."""
    data = event.get("data")
    if str(event.get(EVENT_TYPE_FIELD)).strip().lower() == COMMERCE_EVENT and isinstance(data, Mapping):
        return commerce_events_bound(data)
    return 1


def _skip_whole_batch(batch: Mapping[str, Any], events: list[dict[str, Any]], settings: Settings, cause: SkipCause, explain: bool) -> MappingResult:
    skipped = [SkippedEvent(index, str(event[EVENT_TYPE_FIELD]), *cause) for index, event in enumerate(events)]
    if settings.forward_user_attributes and _has_user_attributes(batch):
        skipped.append(SkippedEvent(None, "user_attributes", *cause))
    explanations = tuple(EventExplanation(skip.index, (), skip) for skip in skipped) if explain else ()
    return _with_withheld(MappingResult((), tuple(skipped), len(events), None, explanations), batch, settings, explain)


def _with_withheld(result: MappingResult, batch: Mapping[str, Any], settings: Settings, explain: bool) -> MappingResult:
    """The result, noting user attributes the setting keeps back (and explaining them, if explaining)."""
    if settings.forward_user_attributes or not _has_user_attributes(batch):
        return result
    withheld = SkippedEvent(None, "user_attributes", "forward_user_attributes is off: user attributes are never sent",
                            sections.USER_ATTRIBUTES, "forward_user_attributes")  # fmt: skip
    explanations = (*result.explanations, EventExplanation(None, (), withheld)) if explain else ()
    return dataclasses.replace(result, withheld=(withheld,), explanations=explanations)


def _has_user_attributes(batch: Mapping[str, Any]) -> bool:
    attributes = batch.get("user_attributes")
    return isinstance(attributes, Mapping) and any(value is not None for value in attributes.values())


Handler = Callable[["_BatchMapper", int, Mapping[str, Any], Notes | None], SkipCause | None]


class _BatchMapper:
    """The state of mapping one batch: identity, fallback time, key prefix and the growing results."""

    def __init__(self, batch: Mapping[str, Any], settings: Settings, identity: str, explain: bool) -> None:
        self.settings = settings
        self.app_id = settings.app_id
        self.identity = identity
        self.explain = explain
        self.batch_ms = epoch_ms(batch.get("timestamp_unixtime_ms"))
        self.key_prefix = batch_key(batch)
        self.requests: list[HeapRequest] = []
        self.skipped: list[SkippedEvent] = []
        self.explanations: list[EventExplanation] = []
        if settings.forward_user_attributes:
            self._add_user_properties(batch)

    def map_event(self, index: int, event: Mapping[str, Any]) -> None:
        event_type = str(event[EVENT_TYPE_FIELD]).strip().lower()
        notes = Notes() if self.explain else None
        handler = self._handlers.get(event_type)
        if handler is None:
            unsupported = f"event type {event_type!r} is not forwarded (the seed lists custom, commerce, screen view, session start/end)"
            cause: SkipCause | None = SkipCause(unsupported, sections.EVENT_TYPES)
        else:
            cause = handler(self, index, event["data"], notes)
        skip = SkippedEvent(index, event_type, *cause) if cause is not None else None
        if skip is not None:
            self.skipped.append(skip)
        if notes is not None:
            if skip is None:
                notes.left_out(event["data"])
            self.explanations.append(EventExplanation(index, tuple(notes.changes) if skip is None else (), skip))

    # --- one handler per supported event type; each returns why it skips the event, or None -----
    def _custom_event(self, index: int, data: Mapping[str, Any], notes: Notes | None) -> SkipCause | None:
        name = _text(data.get("event_name"))
        if name is None:
            return SkipCause("custom event without an event_name: Heap requires an event name", sections.CUSTOM_EVENT_NAME)
        properties = heap_properties(data.get("custom_attributes"), notes=notes)
        event_type = heap_value(data.get("custom_event_type"))
        properties[EVENT_TYPE_PROPERTY] = DEFAULT_CUSTOM_EVENT_TYPE if event_type in (None, "") else event_type
        if notes is not None:
            _note_name(notes, "event_name", name, "sent as the Heap event's name", sections.CUSTOM_EVENT_NAME)
            _note_event_type(notes, data.get("custom_event_type"), properties[EVENT_TYPE_PROPERTY])
        self._track(index, data, name, properties, notes)
        return None

    def _screen_view(self, index: int, data: Mapping[str, Any], notes: Notes | None) -> SkipCause | None:
        screen_name = _text(data.get(SCREEN_NAME_FIELD)) or _text(data.get("event_name"))
        if screen_name is None:
            return SkipCause("screen view without a screen_name or event_name to name it by", sections.SCREEN_VIEW_NAME)
        properties = heap_properties(data.get("custom_attributes"), notes=notes)
        properties[SCREEN_NAME_PROPERTY] = cut(screen_name)
        if notes is not None:
            _note_screen_name(notes, data, screen_name)
        self._track(index, data, SCREEN_VIEW_PREFIX + screen_name, properties, notes)
        return None

    def _session_start(self, index: int, data: Mapping[str, Any], notes: Notes | None) -> SkipCause | None:
        if notes is not None:
            notes.note(EVENT_TYPE_FIELD, "event", RENAMED, f'session_start is named "{SESSION_START_EVENT}"', sections.SESSION_NAMES)
        self._track(index, data, SESSION_START_EVENT, heap_properties(data.get("custom_attributes"), notes=notes), notes)
        return None

    def _session_end(self, index: int, data: Mapping[str, Any], notes: Notes | None) -> SkipCause | None:
        properties = heap_properties(data.get("custom_attributes"), notes=notes)
        duration, branch = convert(data.get("session_duration_ms"))
        if duration is not None:
            properties["session_duration_ms"] = duration
        if notes is not None:
            notes.note(EVENT_TYPE_FIELD, "event", RENAMED, f'session_end is named "{SESSION_END_EVENT}"', sections.SESSION_NAMES)
            if duration is not None:
                change, words = describe(data["session_duration_ms"], duration, branch)
                notes.note("session_duration_ms", "properties.session_duration_ms", change, words, sections.SESSION_PROPERTIES)
        self._track(index, data, SESSION_END_EVENT, properties, notes)
        return None

    def _commerce_event(self, index: int, data: Mapping[str, Any], notes: Notes | None) -> SkipCause | None:
        if not has_commerce(data):
            reason = "commerce event without product_action, promotion_action or product_impressions: nothing to map"
            return SkipCause(reason, sections.COMMERCE_EMPTY)
        common = self._common_fields(data, notes)
        specs = expand_commerce(data, notes)
        events = [self._heap_event(name, properties, common, index, sub) for sub, (name, properties) in enumerate(specs)]
        for start in range(0, len(events), MAX_BULK_EVENTS):
            body = {"app_id": self.app_id, "events": events[start : start + MAX_BULK_EVENTS]}
            self.requests.append(HeapRequest(TRACK, body, index))
        if notes is not None and data.get("event_name") is not None:
            notes.note("event_name", None, DROPPED, "not used: the commerce table names the Heap events", sections.COMMERCE_NAMES, every_event=True)
        return None

    _handlers: ClassVar[dict[str, Handler]] = {
        CUSTOM_EVENT: _custom_event,
        SCREEN_VIEW: _screen_view,
        SESSION_START: _session_start,
        SESSION_END: _session_end,
        COMMERCE_EVENT: _commerce_event,
    }

    # --- building bodies -----------------------------------------------------------------------
    def _track(self, index: int, data: Mapping[str, Any], name: str, properties: dict[str, HeapValue], notes: Notes | None) -> None:
        body = self._heap_event(name, properties, self._common_fields(data, notes), index, 0)
        self.requests.append(HeapRequest(TRACK, {"app_id": self.app_id, **body}, index))

    def _common_fields(self, data: Mapping[str, Any], notes: Notes | None) -> dict[str, str]:
        """identity, timestamp and session_id: the same on an event and on all its commerce sub-events."""
        fields: dict[str, str] = {"identity": self.identity}
        own_ms = epoch_ms(data.get("timestamp_unixtime_ms"))
        millis = own_ms or self.batch_ms
        if millis is not None:
            fields["timestamp"] = iso_utc(millis)
        session_id = id_text(data.get("session_id")) or id_text(data.get("session_uuid"))
        if session_id is not None:
            fields["session_id"] = cut(session_id)
        if notes is not None:
            self._note_common(notes, data, own_ms, fields)
        return fields

    def _note_common(self, notes: Notes, data: Mapping[str, Any], own_ms: int | None, fields: dict[str, str]) -> None:
        """What the fields every Heap event carries came from (1.4, 3.1 to 3.3)."""
        source = identity_field(self.settings)
        notes.note(f"(batch) {source}", "identity", RENAMED, f"the identity, as external_id is {self.settings.external_id}",
                   sections.IDENTITY, every_event=True)  # fmt: skip
        _note_timestamp(notes, data, own_ms, fields.get("timestamp"))
        _note_session_id(notes, data, fields.get("session_id"))
        where = "source_request_id" if self.key_prefix.startswith("srid:") else "content"
        notes.note("(mapping)", "idempotency_key", ADDED, f"a digest of the batch's {where}, the event's index and its sub-index: "
                   "a retry sends the same key", sections.IDEMPOTENCY_KEY, every_event=True)  # fmt: skip

    def _heap_event(self, name: str, properties: dict[str, HeapValue], common: dict[str, str], index: int, sub: int) -> dict[str, Any]:
        event: dict[str, Any] = {**common, "event": cut(name), "idempotency_key": self._key(index, sub)}
        if properties:
            event["properties"] = properties
        return event

    def _key(self, index: int, sub: int) -> str:
        return hashlib.blake2b(f"{self.key_prefix}\x00{index}\x00{sub}".encode(), digest_size=16).hexdigest()

    def _add_user_properties(self, batch: Mapping[str, Any]) -> None:
        notes = Notes() if self.explain else None
        properties = user_properties(batch.get("user_attributes"), notes)
        if properties:
            body = {"app_id": self.app_id, "identity": self.identity, "properties": properties}
            self.requests.append(HeapRequest(ADD_USER_PROPERTIES, body))
        if notes is not None and (properties or batch.get("deleted_user_attributes")):
            if batch.get("deleted_user_attributes"):
                notes.note("deleted_user_attributes", None, DROPPED, "Heap has no way to unset a user property", sections.DELETED_USER_ATTRIBUTES)
            self.explanations.append(EventExplanation(None, tuple(notes.changes)))


def user_properties(attributes: Any, notes: Notes | None = None) -> dict[str, HeapValue]:
    """User attributes as Heap user properties: values by the one rule, and any casing of `id`
    (which Heap refuses, D-aup) renamed to `mparticle_<name>` unless that name is already taken."""
    properties = heap_properties(attributes, notes=notes, source="user_attributes")
    for name in [name for name in properties if is_reserved_user_property(name)]:
        value = properties.pop(name)
        renamed = f"mparticle_{name}"
        taken = renamed in properties
        properties.setdefault(renamed, value)
        if notes is not None:
            _note_reserved(notes, name, renamed, taken)
    return properties


def _note_reserved(notes: Notes, name: str, renamed: str, taken: bool) -> None:
    if taken:
        words = f"Heap refuses any casing of id, and {renamed} is taken by another attribute"
        notes.retarget(f"properties.{name}", None, DROPPED, words, sections.RESERVED_USER_PROPERTY)
    else:
        words = f"Heap refuses any casing of id: sent as {renamed}"
        notes.retarget(f"properties.{name}", f"properties.{renamed}", RENAMED, words, sections.RESERVED_USER_PROPERTY)


# --- notes on the fields every mapping writes (only with explain=True) ---------------------------
def _note_name(notes: Notes, source: str, name: str, words: str, section: str) -> None:
    """The Heap event's name, from `source`, as `name` (cut to 1023 when longer, 4.5)."""
    if len(name) > MAX_LENGTH:
        notes.note(source, "event", CUT, f"{words}, cut from {len(name)} to {MAX_LENGTH} characters", sections.CUT)
    else:
        notes.note(source, "event", RENAMED, words, section)


def _note_event_type(notes: Notes, sent: Any, value: HeapValue) -> None:
    if sent is None or sent == "":
        notes.note("custom_event_type", "properties.event_type", ADDED, f'absent: "{DEFAULT_CUSTOM_EVENT_TYPE}", the default', sections.CUSTOM_EVENT_TYPE)
    else:
        notes.note("custom_event_type", "properties.event_type", RENAMED, f"sent as the property event_type ({value!r})", sections.CUSTOM_EVENT_TYPE)


def _note_screen_name(notes: Notes, data: Mapping[str, Any], screen_name: str) -> None:
    source = SCREEN_NAME_FIELD if _text(data.get(SCREEN_NAME_FIELD)) is not None else "event_name"
    _note_name(notes, source, SCREEN_VIEW_PREFIX + screen_name, f'named "{SCREEN_VIEW_PREFIX}" + {source}', sections.SCREEN_VIEW_NAME)
    notes.note(source, "properties.screen_name", ADDED, f"{source} also sent as the property screen_name", sections.SCREEN_NAME)
    if source == SCREEN_NAME_FIELD and data.get("event_name") is not None:
        notes.note("event_name", None, DROPPED, "not used: screen_name names the screen view", sections.SCREEN_VIEW_NAME)


def _note_timestamp(notes: Notes, data: Mapping[str, Any], own_ms: int | None, timestamp: str | None) -> None:
    sent = data.get("timestamp_unixtime_ms")
    if own_ms is not None:
        notes.note("timestamp_unixtime_ms", "timestamp", CONVERTED, f"{own_ms} ms since 1970 became {timestamp}", sections.TIMESTAMP, every_event=True)
        return
    if sent is not None:
        notes.note("timestamp_unixtime_ms", None, DROPPED, f"{sent!r} is not a usable time (zero, negative or not a number)", sections.TIMESTAMP, every_event=True)
    if timestamp is not None:
        notes.note("(batch) timestamp_unixtime_ms", "timestamp", CONVERTED, f"the event has no time of its own: the batch's, {timestamp}", sections.TIMESTAMP, every_event=True)
    else:
        notes.note("(none)", None, DROPPED, "no usable time in the event or the batch: Heap uses its own", sections.TIMESTAMP, every_event=True)


def _note_session_id(notes: Notes, data: Mapping[str, Any], session_id: str | None) -> None:
    notes.used("session_id", "session_uuid")
    if session_id is None:
        return
    source = "session_id" if id_text(data.get("session_id")) is not None else "session_uuid"
    sent = data[source]
    if source == "session_uuid":
        change, words = RENAMED, "no session_id: session_uuid is sent as session_id"
    elif sent == session_id:
        change, words = KEPT, "sent as it was"
    else:
        change, words = CONVERTED, "sent as text" if not isinstance(sent, str) else "spaces trimmed, cut to 1023 characters"
    notes.note(source, "session_id", change, words, sections.SESSION_ID, every_event=True)
    if source == "session_id" and data.get("session_uuid") is not None:
        notes.note("session_uuid", None, DROPPED, "not used: session_id is sent", sections.SESSION_ID, every_event=True)


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

