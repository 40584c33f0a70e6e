"""The fixture, the oracle's reading of its batches and the observation, joined for the checks.

Received events are attributed to the mParticle event they came from by timestamp: every fixture
gives each of its events its own `timestamp_unixtime_ms`, and the seed maps timestamp to
timestamp. That keeps the documented checks free of any forwarder's naming choices (a session
event can be found whatever it is called). Events no source accounts for are `strays`.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from conformance.fixtures import Fixture
from conformance.oracle import SourceBatch, SourceEvent, as_int, read_batches
from conformance.received import HeapReceived, JournalEntry, ReceivedEvent, iso_ms, parse_instant
from heap_facts.lengths import is_accepted_cut
from heap_facts.names import CUSTOM_EVENT, SCREEN_NAME_FIELD, SCREEN_VIEW, SCREEN_VIEW_PREFIX

NEAREST = 3


@dataclass(frozen=True)
class Context:
    fixture: Fixture
    batches: tuple[SourceBatch, ...]
    heap: HeapReceived
    attributed: dict[tuple[int, int], tuple[ReceivedEvent, ...]] = field(repr=False)
    strays: tuple[ReceivedEvent, ...] = field(repr=False)
    carrying: dict[int, tuple[JournalEntry, ...]] = field(repr=False)  # requests by the timestamps (epoch ms) their events carried

    @property
    def app_id(self) -> str:
        return self.fixture.settings.app_id

    def sources(self, *event_types: str, forwarded: bool | None = True) -> Iterator[SourceEvent]:
        """Source events of the given types (all types when none given), by default only forwarded ones."""
        for batch in self.batches:
            for source in batch.events:
                if event_types and source.event_type not in event_types:
                    continue
                if forwarded is None or source.forwarded == forwarded:
                    yield source

    def received(self, source: SourceEvent) -> tuple[ReceivedEvent, ...]:
        """The stored Heap events attributed to one mParticle event, in the order they were stored."""
        return self.attributed.get((source.batch_index, source.event_index), ())

    def near_events(self, name: str | None = None, *, among: Iterable[ReceivedEvent] | None = None) -> list[str]:
        """The stored events closest to an expected name (or the first few), as one-line summaries."""
        pool = list(self.heap.events if among is None else among)
        if name is not None:
            pool.sort(key=lambda event: -difflib.SequenceMatcher(None, event.name[:200], name[:200]).ratio())
        return [event.summary() for event in pool[:NEAREST]]

    def requests_carrying(self, source: SourceEvent) -> list[JournalEntry]:
        """Every request (accepted or not) that carried an event with this source's timestamp."""
        wanted = source.attribution_ms
        return [] if wanted is None else list(self.carrying.get(wanted, ()))

    def evidence(self, source: SourceEvent, name: str | None = None) -> list[str]:
        """What to show for a missing or wrong event: requests that carried it, else the nearest stored events."""
        carrying = [entry.summary() + _refusal(entry) for entry in self.requests_carrying(source)]
        if carrying:
            return carrying[:NEAREST]
        if self.heap.events:
            return self.near_events(name)
        journal = self.heap.journal
        return [entry.summary() + _refusal(entry) for entry in journal[-NEAREST:]] or ["(the simulator received no request at all)"]


def _refusal(entry: JournalEntry) -> str:
    return f" ({entry.message.splitlines()[0][:160]})" if entry.message else ""


def sent_ms(value: Any) -> int | None:
    """A timestamp as a forwarder sent it (ISO 8601 or epoch milliseconds), as epoch milliseconds."""
    number = as_int(value)
    if number is not None:
        return number
    if isinstance(value, str):
        try:
            return round(parse_instant(value) * 1000)
        except ValueError:
            return None
    return None


def documented_name(source: SourceEvent) -> str | None:
    """The Heap event name the seed documents for a source, uncut (None where the seed names none)."""
    if source.event_type == CUSTOM_EVENT and source.data.get("event_name"):
        return str(source.data["event_name"])
    if source.event_type == SCREEN_VIEW and source.data.get(SCREEN_NAME_FIELD):
        return f"{SCREEN_VIEW_PREFIX}{source.data[SCREEN_NAME_FIELD]}"
    if source.commerce is not None:
        return source.commerce.main_name
    return None


def bears_name(received: str, documented: str | None) -> bool:
    """Whether a received event name is the documented one, whole or cut by a documented reading."""
    return documented is not None and is_accepted_cut(received, documented)


def build_context(fixture: Fixture, heap: HeapReceived) -> Context:
    batches = tuple(read_batches(fixture.batches, fixture.settings))
    attributed, strays = attribute(batches, heap.events)
    return Context(fixture, batches, heap, attributed, strays, carrying(heap.journal))


def carrying(journal: Iterable[JournalEntry]) -> dict[int, tuple[JournalEntry, ...]]:
    """The requests (accepted or not) by each timestamp their events carried, in the journal's order.

    Built once: the checks ask it for every source event, and reading the journal each time made a
    fixture of 16,000 events cost seconds (every source against every request's every event).
    """
    index: dict[int, list[JournalEntry]] = defaultdict(list)
    for entry in journal:
        for ms in {sent_ms(event.get("timestamp")) for event in entry.events}:
            if ms is not None:
                index[ms].append(entry)
    return {ms: tuple(entries) for ms, entries in index.items()}


def attribute(
    batches: tuple[SourceBatch, ...], events: tuple[ReceivedEvent, ...]
) -> tuple[dict[tuple[int, int], tuple[ReceivedEvent, ...]], tuple[ReceivedEvent, ...]]:
    """Attribute each stored event to the source event with its timestamp; the rest are strays."""
    by_time: dict[str, list[SourceEvent]] = defaultdict(list)
    for batch in batches:
        for source in batch.events:
            if source.attribution_ms is not None:
                by_time[iso_ms(source.attribution_ms)].append(source)
    groups: dict[tuple[int, int], list[ReceivedEvent]] = defaultdict(list)
    strays: list[ReceivedEvent] = []
    for event in events:
        candidates = by_time.get(event.timestamp)
        if not candidates:
            strays.append(event)
            continue
        source = _pick(candidates, event)
        groups[(source.batch_index, source.event_index)].append(event)
    return {key: tuple(value) for key, value in groups.items()}, tuple(strays)


def _pick(candidates: list[SourceEvent], event: ReceivedEvent) -> SourceEvent:
    """Among sources sharing a timestamp, the one whose documented name the event bears (else the first)."""
    for source in candidates:
        if bears_name(event.name, documented_name(source)):
            return source
    return candidates[0]
