"""Everything the simulator remembers: events, users, accounts, identity links, deletions, the
request journal, rate-limit logs and fault rules, behind one lock.

Check-and-admit for rate limits and the store that follows happen under the same lock, so 100
simultaneous requests for one identity admit exactly the limit. Pure apart from the lock: views
pass the clock's `now` in.
"""

from __future__ import annotations

import itertools
import math
import threading
import uuid
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson

from heap_mock.clock import to_iso
from heap_mock.config import Config
from heap_mock.endpoints.account_properties import AccountPropertiesRequest
from heap_mock.endpoints.deletion import DeletionTarget
from heap_mock.endpoints.identify import IdentifyOutcome, IdentifyRequest, IdentityGraph
from heap_mock.endpoints.track import TrackEvent, TrackRequest
from heap_mock.endpoints.user_properties import UserPropertiesRequest
from heap_mock.errors import DeletionNotFound, DeletionUnauthorized, Throttled
from heap_mock.faults import FaultInjector
from heap_mock.journal import Exchange
from heap_mock.leniency import RequestWarning, warnings_json
from heap_mock.ratelimit import Demand, RateLimiter, Refusal

_LIMIT_TEXT = {
    "track": "{limit} requests per {window} s per identity per app_id",
    "user_properties": "{limit} requests per {window} s per identity per app_id",
    "bulk_identity": "{limit} events per {window} s per identity per app_id",
    "bulk_app": "{limit} events per {window} s per app_id",
}


_APP_ID, _IDENTITY, _USER_ID = 0, 1, 2  # positions in a stored event's tuple


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

    @staticmethod
    def freeze(event: TrackEvent, endpoint: str, request_id: str) -> tuple[Any, ...]:
        # As text: the bytes orjson returns keep its 4 KiB working buffer; decoding copies them to size.
        properties = orjson.dumps(event.properties).decode()
        return (*event[:5], properties, event.session_id, event.idempotency_key, endpoint, request_id, event.warnings)

    @classmethod
    def thaw(cls, stored: tuple[Any, ...]) -> StoredEvent:
        return cls._make((*stored[:5], orjson.loads(stored[5]), *stored[6:]))

    def to_json(self) -> dict[str, Any]:
        data = self._asdict()
        data["timestamp"] = to_iso(self.timestamp)
        data["warnings"] = warnings_json(self.warnings)
        return data


@dataclass
class DeletionRecord:
    id: str
    app_id: str
    users: int
    requested_at: float
    completes_at: float

    def status(self, now: float) -> str:
        return "complete" if now >= self.completes_at else "pending"


@dataclass(frozen=True)
class EventQuery:
    app_id: str | None = None
    identity: str | None = None
    user_id: str | None = None
    event: str | None = None
    endpoint: str | None = None
    text: str | None = None

    def matches(self, e: StoredEvent) -> bool:
        return (
            (self.app_id is None or e.app_id == self.app_id)
            and (self.identity is None or e.identity == self.identity)
            and (self.user_id is None or e.user_id == self.user_id)
            and (self.event is None or e.event == self.event)
            and (self.endpoint is None or e.endpoint == self.endpoint)
            and (self.text is None or self._contains_text(e))
        )

    def _contains_text(self, e: StoredEvent) -> bool:
        needle = (self.text or "").lower()
        haystack = [e.event, e.identity or "", e.user_id or "", *map(str, e.properties.values()), *e.properties]
        return any(needle in part.lower() for part in haystack)


class SimulatorState:
    """The simulator's memory. Every public method takes the lock."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.faults = FaultInjector()
        self._reset_data()

    def _reset_data(self) -> None:
        config = self.config
        self.events: list[tuple[Any, ...]] = []  # plain tuples of StoredEvent's fields
        self.idempotency_keys: dict[str, set[str]] = {}  # per app_id
        self.users: dict[tuple[str, str], dict[str, Any]] = {}
        self.accounts: dict[tuple[str, str], dict[str, Any]] = {}
        self.identities = IdentityGraph(config.identify_max_user_ids, config.identify_window_days * 86400.0)
        self.limiter = RateLimiter(config.limits)
        self.journal: deque[tuple[Any, ...]] = deque()  # Exchange.freeze(); record_request keeps it capped
        self.journal_bytes = 0  # of request bodies held in the journal
        self.journal_total = 0
        self.tokens: dict[str, tuple[str, float]] = {}
        self.deletions: dict[str, DeletionRecord] = {}
        self.duplicates_ignored = 0
        self._request_seq = itertools.count(1)

    def reset(self) -> None:
        """Forget everything: data, limits, journal and faults."""
        with self.lock:
            self._reset_data()
            self.faults.clear()

    def next_request_id(self) -> str:
        return f"req-{next(self._request_seq)}"  # itertools.count: atomic under the GIL

    # --- ingestion -------------------------------------------------------------------------

    def ingest_track(self, request: TrackRequest, request_id: str, now: float, clock_rate: float, endpoint: str | None = None) -> int:
        """Admit the request under the limits, then store its events once each. Returns how many were new."""
        demands = self._track_demands(request)
        endpoint = endpoint or ("bulk_track" if request.bulk else "track")
        with self.lock:
            self._admit_or_throttle(demands, now, clock_rate)
            stored = 0
            for event in request.events:
                stored += self._store_event(event, endpoint, request_id)
            return stored

    def _store_event(self, event: TrackEvent, endpoint: str, request_id: str) -> int:
        if event.idempotency_key is not None:
            seen = self.idempotency_keys.setdefault(event.app_id, set())
            if event.idempotency_key in seen:
                self.duplicates_ignored += 1
                return 0
            seen.add(event.idempotency_key)
        self.events.append(StoredEvent.freeze(event, endpoint, request_id))
        if event.identity is not None:
            self.users.setdefault((event.app_id, event.identity), {})  # D-track: unknown identities create users
        return 1

    def _track_demands(self, request: TrackRequest) -> list[Demand]:
        if not self.config.limits_enabled:
            return []
        if not request.bulk:
            event = request.events[0]
            return [Demand("track", (request.app_id, *event.subject), 1)]
        per_subject = Counter(event.subject for event in request.events)
        demands = [Demand("bulk_identity", (request.app_id, *subject), n) for subject, n in per_subject.items()]
        return [*demands, Demand("bulk_app", (request.app_id,), len(request.events))]

    def ingest_user_properties(self, request: UserPropertiesRequest, now: float, clock_rate: float) -> None:
        # Assumption: a bulk request counts as one request for each identity it names.
        identities = dict.fromkeys(update.identity for update in request.updates)
        demands = [Demand("user_properties", (request.app_id, i), 1) for i in identities] if self.config.limits_enabled else []
        with self.lock:
            self._admit_or_throttle(demands, now, clock_rate)
            for update in request.updates:
                self.users.setdefault((request.app_id, update.identity), {}).update(update.properties)

    def ingest_account_properties(self, request: AccountPropertiesRequest) -> None:
        with self.lock:
            for update in request.updates:
                self.accounts.setdefault((request.app_id, update.account_id), {}).update(update.properties)

    def identify(self, request: IdentifyRequest, now: float) -> IdentifyOutcome:
        with self.lock:
            outcome = self.identities.link(request, now)
            if outcome.applied:
                self.users.setdefault((request.app_id, request.identity), {})
            return outcome

    def _admit_or_throttle(self, demands: list[Demand], now: float, clock_rate: float) -> None:
        refusal = self.limiter.check(demands, now)
        if refusal is not None:
            raise self._throttled(refusal, clock_rate)
        self.limiter.admit(demands, now)

    def _throttled(self, refusal: Refusal, clock_rate: float) -> Throttled:
        spec = self.config.limits[refusal.name]
        template = _LIMIT_TEXT[refusal.name].format(limit=spec.limit, window=f"{spec.window_s:g}")
        scope = "app_id " + refusal.key[0] + ("" if len(refusal.key) == 1 else f", identity {refusal.key[1]!r}")
        # Retry-After is in whole real seconds: under a scaled clock the wait passes `rate` times faster.
        real_wait = refusal.wait_s / clock_rate if clock_rate > 0 else refusal.wait_s
        return Throttled(f"limit.{refusal.name}", f"limit.{refusal.name} ({template}) for {scope}", max(1, math.ceil(real_wait - 1e-9)))

    # --- deletion --------------------------------------------------------------------------

    def issue_token(self, app_id: str, now: float) -> str:
        token = uuid.uuid4().hex
        with self.lock:
            self.tokens[token] = (app_id, now + self.config.deletion_token_ttl_s)
        return token

    def app_for_token(self, token: str, now: float) -> str:
        with self.lock:
            app_id, expires_at = self.tokens.get(token, ("", 0.0))
        if not app_id:
            raise DeletionUnauthorized("Unauthorized: unknown access token")
        if now >= expires_at:
            raise DeletionUnauthorized("Unauthorized: access token expired (tokens last 5 minutes)")
        return app_id

    def delete_users(self, app_id: str, targets: list[DeletionTarget], now: float) -> DeletionRecord:
        """Remove the users' events, properties and links at once; the status turns complete later.

        One pass over the store however many users are named (a request may name 10,000).
        """
        record = DeletionRecord(str(uuid.uuid4()), app_id, len(targets), now, now + self.config.deletion_completes_after_s)
        with self.lock:
            identities, user_ids = self._people(app_id, targets)
            self.events = [
                stored for stored in self.events
                if not (stored[_APP_ID] == app_id and (stored[_IDENTITY] in identities or stored[_USER_ID] in user_ids))
            ]
            for identity in identities:
                self.users.pop((app_id, identity), None)
            self.identities.forget(app_id, identities, user_ids)
            self.deletions[record.id] = record
        return record

    def _people(self, app_id: str, targets: list[DeletionTarget]) -> tuple[set[str], set[str]]:
        """Every identity and user_id the targets name, directly or through identify links."""
        identities = {target.identity for target in targets if target.identity}
        user_ids = {target.user_id for target in targets if target.user_id}
        identities |= {identity for user_id in user_ids if (identity := self.identities.identity_of(app_id, user_id))}
        user_ids |= self.identities.user_ids_of_any(app_id, identities)
        return identities, user_ids

    def deletion_status(self, app_id: str, deletion_id: str, now: float) -> dict[str, str]:
        with self.lock:
            record = self.deletions.get(deletion_id)
        if record is None or record.app_id != app_id:
            raise DeletionNotFound(f"no deletion request {deletion_id!r} for this environment")
        return {"deletion_request_id": record.id, "status": record.status(now)}

    # --- journal and inspection ------------------------------------------------------------

    def record_request(self, exchange: Exchange) -> None:
        frozen = exchange.freeze()
        with self.lock:
            self.journal.append(frozen)
            self.journal_bytes += Exchange.frozen_body_bytes(frozen)
            self.journal_total += 1
            self._trim_journal()

    def _trim_journal(self) -> None:
        """Drop the oldest entries until the journal holds at most `journal_limit` of them and
        `journal_max_bytes` of bodies. A count alone would let 10,000 bodies of 10 MiB each take
        100 GB; the newest entry is always kept, whatever its size."""
        journal, limit, max_bytes = self.journal, self.config.journal_limit, self.config.journal_max_bytes
        while len(journal) > 1 and (len(journal) > limit or self.journal_bytes > max_bytes):
            self.journal_bytes -= Exchange.frozen_body_bytes(journal.popleft())

    def find_events(self, query: EventQuery) -> list[StoredEvent]:
        with self.lock:
            events = list(self.events)
        return [view for view in map(StoredEvent.thaw, events) if query.matches(view)]

    def user_list(self) -> list[dict[str, Any]]:
        with self.lock:
            linked = self.identities.user_ids_by_identity()
            return [
                {"app_id": app, "identity": ident, "properties": dict(props), "user_ids": linked.get((app, ident), [])}
                for (app, ident), props in self.users.items()
            ]

    def account_list(self) -> list[dict[str, Any]]:
        with self.lock:
            return [{"app_id": app, "account_id": acc, "properties": dict(props)} for (app, acc), props in self.accounts.items()]

    def journal_entries(self) -> list[dict[str, Any]]:
        with self.lock:
            frozen = list(self.journal)
        return [Exchange.thaw(entry).to_json() for entry in frozen]

    def limit_usage(self, now: float) -> list[dict[str, Any]]:
        with self.lock:
            usage = self.limiter.usage(now)
        return [
            {
                "limit": f"limit.{u.name}",
                "app_id": u.key[0],
                **_subject_json(u.key[1:]),
                "used": u.used,
                "max": u.limit,
                "window_s": u.window_s,
                "frees_at": to_iso(u.frees_at) if u.frees_at is not None else None,
            }
            for u in usage
        ]

    def counts(self) -> dict[str, int]:
        with self.lock:
            return {
                "events": len(self.events),
                "users": len(self.users),
                "accounts": len(self.accounts),
                "requests": self.journal_total,
                "duplicates_ignored": self.duplicates_ignored,
            }


def iter_json(stored: Iterable[StoredEvent]) -> list[dict[str, Any]]:
    return [s.to_json() for s in stored]


def _subject_json(subject: tuple[str, ...]) -> dict[str, str | None]:
    """Who a rate-limit key counts, as the inspection API names it: an identity, a user_id
    (see TrackEvent.subject) or, for an app-wide limit, no one."""
    if len(subject) == 2:
        return {"identity": None, "user_id": subject[1]}
    return {"identity": subject[0] if subject else None, "user_id": None}
