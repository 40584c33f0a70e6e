"""What the simulator received, read once through its inspection API after a fixture has run.

Checks judge only this: the stored events, the stored users, and the journal of every request
(accepted or not, with its status, the rule that refused it and its simulated arrival time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from heap_facts.paths import TRACK
from heap_facts.times import iso_utc, parse_iso
from heap_mock.testing import MockClient


@dataclass(frozen=True)
class ReceivedEvent:
    """One Heap event the simulator stored."""

    name: str
    identity: str | None
    timestamp: str  # ISO 8601 UTC with milliseconds, as the simulator reports it
    properties: dict[str, Any] = field(repr=False)
    session_id: str | None
    idempotency_key: str | None
    endpoint: str  # track | bulk_track
    request_id: str

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ReceivedEvent:
        return cls(
            name=raw["event"],
            identity=raw.get("identity"),
            timestamp=raw["timestamp"],
            properties=dict(raw.get("properties") or {}),
            session_id=raw.get("session_id"),
            idempotency_key=raw.get("idempotency_key"),
            endpoint=raw.get("endpoint", ""),
            request_id=raw["request_id"],
        )

    def summary(self) -> str:
        props = ", ".join(f"{key[:30]}={str(value)[:30]!r}" for key, value in list(self.properties.items())[:4])
        more = ", ..." if len(self.properties) > 4 else ""
        session = f" session_id {self.session_id!r}"  # the event's own field, never to be confused with a property of that name
        return f"{self.request_id}: event {self.name[:70]!r} at {self.timestamp} identity {self.identity!r}{session} properties {{{props}{more}}}"


@dataclass(frozen=True)
class JournalEntry:
    """One request the simulator answered (or dropped), with its simulated arrival time."""

    id: str
    method: str
    path: str
    status: int
    received_at: float  # epoch seconds on the simulator's clock
    body: Any = field(repr=False)
    rule_id: str | None
    message: str | None
    retry_after: int | None  # the Retry-After the simulator answered with (limiter or injected fault)
    fault_id: int | None
    warnings: tuple[dict[str, Any], ...] = field(default=(), repr=False)  # accepted, but outside Heap's docs

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> JournalEntry:
        return cls(
            id=raw["id"],
            method=raw["method"],
            path=raw["path"],
            status=raw["status"],
            received_at=parse_instant(raw["received_at"]),
            body=raw.get("body"),
            rule_id=raw.get("rule_id"),
            message=raw.get("message"),
            retry_after=raw.get("retry_after"),
            fault_id=raw.get("fault_id"),
            warnings=tuple(raw.get("warnings") or ()),
        )

    @property
    def events(self) -> list[dict[str, Any]]:
        """The Heap events a track body carried (one for a single track, `events[]` for bulk)."""
        body = self.body
        if not isinstance(body, dict) or self.path != TRACK:
            return []
        if isinstance(body.get("events"), list):
            return [event for event in body["events"] if isinstance(event, dict)]
        return [body]

    @property
    def is_bulk(self) -> bool:
        return isinstance(self.body, dict) and "events" in self.body

    def summary(self) -> str:
        what = f"{len(self.events)} event(s)" if self.path == TRACK else _short(self.body)
        names = sorted({str(event.get("event"))[:40] for event in self.events})[:3]
        named = f" {names}" if names else ""
        refused = f" [{self.rule_id}]" if self.rule_id else ""
        warned = f" [warned: {', '.join(sorted({w['rule_id'] for w in self.warnings}))}]" if self.warnings else ""
        return f"{self.id}: {self.method} {self.path} -> {self.status}{refused}{warned}, {what}{named}"


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


parse_instant = parse_iso  # ISO 8601 as the simulator reports it, to epoch seconds
iso_ms = iso_utc  # epoch milliseconds as the simulator renders stored timestamps


@dataclass(frozen=True)
class HeapReceived:
    """Everything the simulator saw during one fixture run."""

    events: tuple[ReceivedEvent, ...]
    journal: tuple[JournalEntry, ...]
    users: dict[tuple[str, str], dict[str, Any]]  # (app_id, identity) -> merged properties
    clock_rate: float  # 0 for virtual time (waits advance the clock), N for a clock N times faster

    @classmethod
    def read(cls, client: MockClient, clock_rate: float) -> HeapReceived:
        journal = tuple(JournalEntry.from_json(raw) for raw in client.requests())
        return cls(
            events=tuple(ReceivedEvent.from_json(raw) for raw in client.events()),
            journal=journal,
            users={(user["app_id"], user["identity"]): dict(user["properties"]) for user in client.users()},
            clock_rate=clock_rate,
        )

    def retry_after_clock_s(self, entry: JournalEntry) -> float | None:
        """How long, in simulated seconds, a 429 asked the forwarder to wait (None when it did not say)."""
        header = entry.retry_after  # the journal has it for the limiter's 429s and injected faults alike
        if header is None:
            return None
        return header * (self.clock_rate if self.clock_rate > 1 else 1.0)

    def request(self, request_id: str) -> JournalEntry | None:
        return next((entry for entry in self.journal if entry.id == request_id), None)
