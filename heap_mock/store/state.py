"""Everything the simulator remembers, as parts named for what they keep:

    SimulatorState
    ├── events      EventStore   accepted events, idempotency keys; capped at max_events
    ├── journal     Journal      the requests and their answers; capped by count and body bytes
    ├── limits      Limits       rate-limit windows, and the 429s they answer
    ├── identities  Identities   users, accounts, identify links; capped at max_users, max_accounts
    ├── deletions   Deletions    access tokens and deletion requests
    └── faults      FaultInjector  the fault rules in force

Each part owns its data and its lock (see its docstring); no part calls another, and no lock is
held while another is taken. This class composes them for the views: admit under the limits,
then store. Admission is exact on its own (check-and-admit under the limits' lock), so nothing
here needs a wider lock. Pure apart from the locks: views pass the clock's `now` in.
"""

from __future__ import annotations

import itertools
from operator import attrgetter
from typing import Any

from heap_mock.config import Config
from heap_mock.endpoints.account_properties import AccountPropertiesRequest
from heap_mock.endpoints.deletion import DeletionTarget
from heap_mock.endpoints.identify import IdentifyOutcome, IdentifyRequest
from heap_mock.endpoints.track import TrackRequest, track_demands
from heap_mock.endpoints.user_properties import UserPropertiesRequest, user_properties_demands
from heap_mock.store.deletions import DeletionRecord, Deletions
from heap_mock.store.events import EventStore
from heap_mock.store.faults import FaultInjector
from heap_mock.store.identities import Identities
from heap_mock.store.journal import Journal
from heap_mock.store.limits import Limits
from heap_mock.store.session import ClockState, Session, Snapshot

_identity = attrgetter("identity")


class SimulatorState:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.events = EventStore(config.max_events)
        self.journal = Journal(config.journal_limit, config.journal_max_bytes)
        self.limits = Limits(config)
        self.identities = Identities(config)
        self.deletions = Deletions(config)
        self.faults = FaultInjector()
        self._request_seq = itertools.count(1)

    def reset(self) -> None:
        """Forget everything: data, limits, journal and faults."""
        for part in (self.events, self.journal, self.limits, self.identities, self.deletions, self.faults):
            part.clear()
        self._request_seq = itertools.count(1)

    def next_request_id(self) -> str:
        return f"req-{next(self._request_seq)}"  # itertools.count: atomic under the GIL

    def ingest_track(
        self, request: TrackRequest, request_id: str, now: float, clock_rate: float, endpoint: str | None = None, lineage: str | None = None
    ) -> int:
        """Admit the request under the limits, then store its events once each. Returns how many were new.

        `endpoint` names where they came from when it is not track or bulk track (the partner track);
        `lineage` is the sender's X-Heap-Sim-Lineage, kept as opaque text."""
        if self.config.limits_enabled:
            self.limits.admit(track_demands(request), now, clock_rate)
        stored = self.events.store(request.events, endpoint or ("bulk_track" if request.bulk else "track"), request_id, lineage)
        self.identities.ensure_users(request.app_id, map(_identity, stored))
        return len(stored)

    def ingest_user_properties(self, request: UserPropertiesRequest, now: float, clock_rate: float) -> None:
        if self.config.limits_enabled:
            self.limits.admit(user_properties_demands(request), now, clock_rate)
        self.identities.add_user_properties(request)

    def ingest_account_properties(self, request: AccountPropertiesRequest) -> None:
        self.identities.add_account_properties(request)

    def identify(self, request: IdentifyRequest, now: float) -> IdentifyOutcome:
        return self.identities.identify(request, now)

    def delete_users(self, app_id: str, targets: list[DeletionTarget], now: float) -> DeletionRecord:
        """Remove the users' events, properties and links at once; the status turns complete later."""
        identities, user_ids = self.identities.forget_people(app_id, targets)
        self.events.delete_people(app_id, identities, user_ids)
        return self.deletions.record(app_id, len(targets), now)

    def load(self, session: Session) -> None:
        """Start from a session file's events, users, accounts and journal, each store keeping its
        bounds; new requests are numbered after the session's."""
        self.events.restore(session.events)
        self.identities.restore(session.users, session.accounts)
        self.journal.restore(session.journal)
        self._request_seq = itertools.count(session.highest_request_number() + 1)

    def snapshot(self, clock: ClockState, version: str) -> Snapshot:
        """What an export writes: the stores' items as they are now (users and accounts are read in
        chunks as the file is written, so a long export never holds their lock for long)."""
        return Snapshot(clock, version, self.events.snapshot(), self.journal.snapshot(),
                        self.identities.user_documents, self.identities.account_documents)  # fmt: skip

    def counts(self) -> dict[str, Any]:
        events, identities = self.events.counts(), self.identities.counts()
        return {
            "events": events["events"],
            "users": identities["users"],
            "accounts": identities["accounts"],
            "requests": self.journal.total,
            "duplicates_ignored": events["duplicates_ignored"],
            "events_dropped": events["events_dropped"],
            "users_dropped": identities["users_dropped"],
            "accounts_dropped": identities["accounts_dropped"],
        }
