"""The event store: every accepted Heap event, indexed for the questions the console asks.

Events are kept as flat tuples of plain values (see `StoredEvent`) in arrival order, numbered by
a sequence. Each of app_id, identity, user_id, event name and endpoint keeps a `SeqIndex` per
value, so a count is a `len()` and a page newest first (or filtered) reads only what it shows,
however many events are stored. A text search walks the store once but compares each event with
sets of the distinct values that match, not its text.

The store holds at most `max_events`: past it, the oldest event is dropped (its idempotency key
with it) and counted in `dropped`, so a simulator left running cannot exhaust the machine.

Lock discipline: one lock guards everything here; every public method takes it, and nothing is
called with it held that could take another lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson

from heap_mock.clock import to_iso
from heap_mock.endpoints.track import TrackEvent
from heap_mock.seq_index import IndexedLog, Keyed

_APP_ID, _IDENTITY, _USER_ID, _EVENT, _PROPERTIES, _IDEMPOTENCY_KEY, _ENDPOINT = 0, 1, 2, 3, 5, 7, 8  # in StoredEvent
_INDEXED = {"app_id": _APP_ID, "identity": _IDENTITY, "user_id": _USER_ID, "event": _EVENT, "endpoint": _ENDPOINT}


class StoredEvent(NamedTuple):
    """One accepted Heap event and where it came from, as the inspection API shows it.

    The store itself keeps flat tuples of these fields, with the properties as their JSON text:
    CPython's collector stops tracking a tuple that holds only strings, numbers and None at the
    first collection it survives. A nested tuple or dict would keep it tracked until it had been
    promoted to the oldest generation, and the promotions alone then triggered full collections
    that paused a busy simulator for tens of milliseconds. `freeze` and `thaw` convert.
    """

    app_id: str
    identity: str | None
    user_id: str | None
    event: str
    timestamp: float
    properties: dict[str, str | int | float]
    session_id: str | None
    idempotency_key: str | None
    endpoint: str
    request_id: str

    @staticmethod
    def freeze(event: TrackEvent, endpoint: str, request_id: str) -> tuple[Any, ...]:
        # As text: the bytes orjson returns keep its 4 KiB working buffer; decoding copies them to size.
        properties = orjson.dumps(event.properties).decode()
        return (*event[:5], properties, event.session_id, event.idempotency_key, endpoint, request_id)

    @classmethod
    def thaw(cls, stored: tuple[Any, ...]) -> StoredEvent:
        return cls._make((*stored[:5], orjson.loads(stored[5]), *stored[6:]))

    def to_json(self) -> dict[str, Any]:
        data = self._asdict()
        data["timestamp"] = to_iso(self.timestamp)
        return data


@dataclass(frozen=True)
class EventQuery:
    """Filters of `GET /_mock/events`: exact values of indexed fields, and `text` anywhere."""

    app_id: str | None = None
    identity: str | None = None
    user_id: str | None = None
    event: str | None = None
    endpoint: str | None = None
    text: str | None = None

    def exact(self) -> dict[str, str]:
        return {name: value for name in _INDEXED if (value := getattr(self, name)) is not None}


@dataclass(frozen=True)
class EventPage:
    events: list[StoredEvent]
    total: int


class EventStore:
    """Accepted events in arrival order, with per-value indexes, capped at `max_events`."""

    def __init__(self, max_events: int) -> None:
        self.max_events = max_events
        self.lock = threading.Lock()
        self._log = IndexedLog(_INDEXED)
        self._idempotency_keys: dict[str, set[str]] = {}  # per app_id
        self.duplicates_ignored = 0
        self.dropped = 0

    def clear(self) -> None:
        with self.lock:
            self._log.clear()
            self._idempotency_keys = {}
            self.duplicates_ignored = self.dropped = 0

    def store(self, events: Iterable[TrackEvent], endpoint: str, request_id: str) -> list[TrackEvent]:
        """Store each event unless its idempotency key was seen for its app; returns those that were new."""
        stored: list[TrackEvent] = []
        with self.lock:
            for event in events:
                if self._is_duplicate(event):
                    self.duplicates_ignored += 1
                    continue
                self._log.append(StoredEvent.freeze(event, endpoint, request_id))
                stored.append(event)
            while len(self._log) > self.max_events:
                self._forget_key(self._log.evict_oldest())
                self.dropped += 1
        return stored

    def _is_duplicate(self, event: TrackEvent) -> bool:
        key = event.idempotency_key
        if key is None:
            return False
        seen = self._idempotency_keys.setdefault(event.app_id, set())
        if key in seen:
            return True
        seen.add(key)
        return False

    def _forget_key(self, frozen: tuple[Any, ...]) -> None:
        """An evicted event's idempotency key goes with it: kept, the keys alone would grow without bound."""
        key = frozen[_IDEMPOTENCY_KEY]
        if key is not None:
            self._idempotency_keys.get(frozen[_APP_ID], set()).discard(key)

    def delete_people(self, app_id: str, identities: set[str], user_ids: set[str]) -> int:
        """Remove every event of `app_id` by these identities or user_ids; returns how many.

        Their idempotency keys stay: a retried event of a deleted user is still a duplicate.
        """
        with self.lock:
            log = self._log
            doomed = {
                seq
                for name, values in (("identity", identities), ("user_id", user_ids))
                for value in values
                for seq in log.seqs_where(name, value).walk(False)
                if log.get(seq)[_APP_ID] == app_id
            }
            return len(log.remove(doomed))

    def counts(self) -> dict[str, int]:
        with self.lock:
            return {"events": len(self._log), "events_dropped": self.dropped, "duplicates_ignored": self.duplicates_ignored}

    def page(self, query: EventQuery, *, newest_first: bool, offset: int, limit: int | None) -> EventPage:
        """One page of the events matching `query`, and how many match in all."""
        with self.lock:
            text = _TextMatch(query.text, self._log.indexes).matches if query.text is not None else None
            frozen, total = self._log.page(query.exact(), newest_first, offset, limit, text)
        return EventPage([StoredEvent.thaw(item) for item in frozen], total)

    def __iter__(self) -> Iterator[StoredEvent]:
        """Every stored event, oldest first (for tests and tools; the API pages)."""
        with self.lock:
            frozen = self._log.values()
        return map(StoredEvent.thaw, frozen)


class _TextMatch:
    """Whether an event holds `needle` (case-insensitive) in its name, identity, user_id, or a
    property name or value. Names, identities and user_ids are matched once per distinct value
    (the index keys); properties once per distinct JSON text, then confirmed on the parsed values."""

    def __init__(self, needle: str, indexes: dict[str, Keyed]) -> None:
        self.needle = needle.lower()
        self.escaped = orjson.dumps(self.needle).decode()[1:-1]  # as it appears inside JSON text
        self.values = {value for name in ("event", "identity", "user_id") for value in indexes[name].by_value if self.needle in str(value).lower()}
        self.confirmed: dict[str, bool] = {}  # property texts that hold the needle somewhere, parsed once

    def matches(self, frozen: tuple[Any, ...]) -> bool:
        if frozen[_EVENT] in self.values or frozen[_IDENTITY] in self.values or frozen[_USER_ID] in self.values:
            return True
        text: str = frozen[_PROPERTIES]
        lowered = text.lower()
        if self.needle not in lowered and self.escaped not in lowered:
            return False
        known = self.confirmed.get(text)
        if known is None:
            known = self.confirmed[text] = self._in_properties(text)
        return known

    def _in_properties(self, text: str) -> bool:
        """The needle in a property name or value itself, not only across the JSON text's punctuation."""
        properties: dict[str, Any] = orjson.loads(text)
        return any(self.needle in part.lower() for part in (*properties, *map(str, properties.values())))
