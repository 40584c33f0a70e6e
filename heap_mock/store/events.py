"""The event store: every accepted Heap event, indexed for the questions the console asks.

Events are kept as flat tuples of plain values (see `StoredEvent`) in arrival order, numbered by
a sequence. Each of app_id, identity, user_id, event name and endpoint keeps a `SeqIndex` per
value, so a count is a `len()` and a page newest first (or filtered) reads only what it shows,
however many events are stored. A text search walks the store once, one substring test per event
on text lowercased when the event was stored.

The store holds at most `max_events`: past it, the oldest event is dropped (its idempotency key
with it) and counted in `dropped`, so a simulator left running cannot exhaust the machine.
A deleted event (the deletion API) keeps its idempotency key, so a retry is still a duplicate,
but only until the event would have been dropped: the key is filed under the event's sequence
number and forgotten once `max_events` newer events have arrived. A deleted event's place counts towards a second
bound, a span of `2 * max_events` places from the oldest live event to the newest, so that
deletions without eviction cannot pile up places and keys either; past it the oldest live event
is dropped (and counted) even below `max_events`.

Lock discipline: one lock guards everything here; every public method takes it, and nothing is
called with it held that could take another lock.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson

from heap_mock.clock import to_iso
from heap_mock.endpoints.track import TrackEvent
from heap_mock.fidelity import RequestWarning, freeze_warnings, thaw_warnings, warnings_json
from heap_mock.store.seq_index import IndexedLog

_APP_ID, _IDENTITY, _USER_ID, _EVENT, _IDEMPOTENCY_KEY, _ENDPOINT, _WARNINGS, _LINEAGE, _SEARCH, _LINEAGE_BUCKET = 0, 1, 2, 3, 7, 8, 10, 11, 12, 13  # in a stored tuple
# The values of a stored event's `endpoint`: which endpoint stored it (the control API filters on them).
STORED_ENDPOINTS = ("track", "bulk_track", "integrations_track")
_INDEXED = {"app_id": _APP_ID, "identity": _IDENTITY, "user_id": _USER_ID, "event": _EVENT, "endpoint": _ENDPOINT}
# The sender's lineage is nearly one value per event: an index per value would cost more than the
# events. It is indexed by a bucket of its hash instead (at most LINEAGE_BUCKETS indexes, one shared
# number per bucket), and a lineage filter reads its bucket's few events and compares the text.
LINEAGE_BUCKETS = 1 << 16
_FILTERED = {**_INDEXED, "lineage": _LINEAGE, "lineage_bucket": _LINEAGE_BUCKET}
_KEPT_INDEXED = ("app_id", "identity", "user_id", "event", "lineage_bucket")  # endpoint has two values: a filter on it walks the others' indexes


def lineage_bucket(lineage: str | None) -> int | None:
    """Where a lineage is filed: the same bucket for the same text, within this process."""
    return None if lineage is None else hash(lineage) & (LINEAGE_BUCKETS - 1)


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
    warnings: tuple[RequestWarning, ...] = ()  # the documented rules this event broke, accepted anyway
    lineage: str | None = None  # the sender's X-Heap-Sim-Lineage, opaque (heap_mock.store.lineage)

    @staticmethod
    def freeze(event: TrackEvent, endpoint: str, request_id: str, lineage: str | None = None) -> list[Any]:
        """The stored form (a tuple once `IndexedLog.append` has shared its strings): these
        fields (the warnings as JSON text, or None), then the text a search looks in (see `search_text`)
        and the bucket its lineage is indexed under."""
        # As text: the bytes orjson returns keep its 4 KiB working buffer; decoding copies them to size.
        properties = orjson.dumps(event.properties).decode()
        search = search_text(event.event, event.identity, event.user_id, properties)
        warnings = freeze_warnings(event.warnings)
        return [*event[:5], properties, event.session_id, event.idempotency_key, endpoint, request_id, warnings, lineage, search,
                lineage_bucket(lineage)]  # fmt: skip

    @classmethod
    def thaw(cls, stored: tuple[Any, ...]) -> StoredEvent:
        return cls._make((*stored[:5], orjson.loads(stored[5]), *stored[6:_WARNINGS], thaw_warnings(stored[_WARNINGS]), stored[_LINEAGE]))

    @classmethod
    def document(cls, stored: tuple[Any, ...]) -> dict[str, Any]:
        """The stored form as named fields, properties left as their JSON text (an orjson Fragment)
        and warnings frozen: what a session export writes, without parsing each event back."""
        data = dict(zip(cls._fields, stored, strict=False))
        data["timestamp"] = to_iso(stored[4])
        data["properties"] = orjson.Fragment(stored[5])
        return data

    def to_json(self) -> dict[str, Any]:
        data = self._asdict()
        data["timestamp"] = to_iso(self.timestamp)
        data["warnings"] = warnings_json(self.warnings)
        if self.lineage is None:
            del data["lineage"]  # only events whose sender gave lineage carry the field
        return data


def search_text(event: str, identity: str | None, user_id: str | None, properties_json: str) -> str:
    """What `?q=` searches, lowercased once when the event is stored: the name, identity, user_id
    and the properties as JSON text. Kept beside the event so a search over a million events is
    one substring test each, in a comprehension, rather than a parse of each event's properties."""
    return f"{event}\x1f{identity or ''}\x1f{user_id or ''}\x1f{properties_json}".lower()


def needles(text: str) -> tuple[str, ...]:
    """The text to look for, and the same as it appears inside JSON (a quote as \\")."""
    needle = text.lower()
    escaped = orjson.dumps(needle).decode()[1:-1]
    return (needle,) if escaped == needle else (needle, escaped)


@dataclass(frozen=True)
class EventQuery:
    """Filters of `GET /_mock/events`: exact values of indexed fields, and `text` anywhere."""

    app_id: str | None = None
    identity: str | None = None
    user_id: str | None = None
    event: str | None = None
    endpoint: str | None = None
    text: str | None = None
    lineage: str | None = None

    def exact(self) -> dict[str, Any]:
        exact: dict[str, Any] = {name: value for name in _INDEXED if (value := getattr(self, name)) is not None}
        if self.lineage is not None:
            exact |= {"lineage": self.lineage, "lineage_bucket": lineage_bucket(self.lineage)}
        return exact


@dataclass(frozen=True)
class EventPage:
    events: list[StoredEvent]
    total: int


class EventStore:
    """Accepted events in arrival order, with per-value indexes, capped at `max_events`."""

    def __init__(self, max_events: int) -> None:
        self.max_events = max_events
        self.lock = threading.Lock()
        self._log = IndexedLog(_FILTERED, _KEPT_INDEXED)
        self._idempotency_keys: dict[str, set[str]] = {}  # per app_id
        self._deleted_keys: list[tuple[int, str, str]] = []  # a heap of (seq, app_id, key) of deleted events
        self.duplicates_ignored = 0
        self.dropped = 0

    def clear(self) -> None:
        with self.lock:
            self._log.clear()
            self._idempotency_keys = {}
            self._deleted_keys = []
            self.duplicates_ignored = self.dropped = 0

    def store(self, events: Iterable[TrackEvent], endpoint: str, request_id: str, lineage: str | None = None) -> list[TrackEvent]:
        """Store each event unless its idempotency key was seen for its app; returns those that were new."""
        stored: list[TrackEvent] = []
        log, keys = self._log, self._idempotency_keys
        with self.lock:
            for event in events:
                key = event.idempotency_key
                if key is not None:
                    seen = keys.setdefault(event.app_id, set())
                    if key in seen:
                        self.duplicates_ignored += 1
                        continue
                    seen.add(key)
                log.append(StoredEvent.freeze(event, endpoint, request_id, lineage))
                stored.append(event)
            if log.live > self.max_events or log.span > 2 * self.max_events or self._deleted_keys:
                self._evict()
        return stored

    def restore(self, frozen: Iterable[list[Any]]) -> None:
        """Store events read from a session file (already frozen), with their idempotency keys,
        keeping the bound: past max_events the oldest are dropped and counted, as on arrival."""
        log, keys = self._log, self._idempotency_keys
        with self.lock:
            for item in frozen:
                key = item[_IDEMPOTENCY_KEY]
                if key is not None:
                    seen = keys.setdefault(item[_APP_ID], set())
                    if key in seen:
                        self.duplicates_ignored += 1
                        continue
                    seen.add(key)
                log.append(item)
                if log.live > self.max_events:
                    self._evict()

    def snapshot(self) -> list[tuple[Any, ...]]:
        """Every stored event as the store keeps it (immutable tuples), oldest first, for an export."""
        with self.lock:
            return self._log.values()

    def _evict(self) -> None:
        """Drop the oldest events past the bounds, and the keys of deleted events that would have gone by now."""
        log = self._log
        log.skip_removed()
        while log.live > self.max_events or log.span > 2 * self.max_events:
            self._forget_key(log.evict_oldest())
            self.dropped += 1
            log.skip_removed()
        deleted, keys = self._deleted_keys, self._idempotency_keys
        passed = log.next_seq - self.max_events  # a place before it would have been dropped by now
        while deleted and deleted[0][0] < passed:
            _, app_id, key = heapq.heappop(deleted)
            keys.get(app_id, set()).discard(key)

    def _forget_key(self, frozen: tuple[Any, ...]) -> None:
        """An evicted event's idempotency key goes with it: kept, the keys alone would grow without bound."""
        key = frozen[_IDEMPOTENCY_KEY]
        if key is not None:
            self._idempotency_keys.get(frozen[_APP_ID], set()).discard(key)

    def delete_people(self, app_id: str, identities: set[str], user_ids: set[str]) -> int:
        """Remove every event of `app_id` by these identities or user_ids; returns how many.

        Their idempotency keys stay until `max_events` newer events have arrived (when the events
        would have been dropped): a retried event of a deleted user is still a duplicate.
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
            for seq in doomed:
                if (key := log.get(seq)[_IDEMPOTENCY_KEY]) is not None:
                    heapq.heappush(self._deleted_keys, (seq, app_id, key))
            return len(log.remove(doomed))

    def counts(self) -> dict[str, int]:
        with self.lock:
            return {"events": len(self._log), "events_dropped": self.dropped, "duplicates_ignored": self.duplicates_ignored}

    def page(self, query: EventQuery, *, newest_first: bool, offset: int, limit: int | None) -> EventPage:
        """One page of the events matching `query`, and how many match in all."""
        with self.lock:
            containing = (_SEARCH, needles(query.text)) if query.text is not None else None
            frozen, total = self._log.page(query.exact(), newest_first, offset, limit, containing)
        return EventPage([StoredEvent.thaw(item) for item in frozen], total)

    def __iter__(self) -> Iterator[StoredEvent]:
        """Every stored event, oldest first (for tests and tools; the API pages)."""
        with self.lock:
            frozen = self._log.values()
        return map(StoredEvent.thaw, frozen)
