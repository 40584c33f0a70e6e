"""The identities part of the simulator's state: users and their properties, accounts, and the
identify links from Heap user_ids to identities.

Users and accounts are capped (`max_users`, `max_accounts`): past the cap the oldest created is
dropped and counted (`users_dropped`, `accounts_dropped`), and a dropped user's identify links go
with it, so traffic that names a new identity each time cannot grow memory without bound.

Lock discipline: one lock guards users, accounts and links; every public method takes it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from heap_mock.clock import to_iso
from heap_mock.config import Config
from heap_mock.endpoints.account_properties import AccountPropertiesRequest
from heap_mock.endpoints.deletion import DeletionTarget
from heap_mock.endpoints.identify import IdentifyOutcome, IdentifyRequest, IdentityGraph
from heap_mock.endpoints.user_properties import UserPropertiesRequest
from heap_mock.store.capped import CappedTable

Key = tuple[str, str]  # (app_id, identity) or (app_id, account_id)


@dataclass(frozen=True)
class IdentityRecord:
    """A user (or, without user_ids, an account) as a session file holds it (heap_mock.store.session)."""

    app_id: str
    key: str  # identity or account_id
    properties: dict[str, str | int | float]
    user_ids: tuple[str, ...] = ()
    recent_links: tuple[tuple[float, str], ...] = ()  # (linked at, user_id) inside the identify window


class Identities:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.lock = threading.Lock()
        self._clear()

    def _clear(self) -> None:
        self.users: CappedTable[Key] = CappedTable(self.config.max_users)
        self.accounts: CappedTable[Key] = CappedTable(self.config.max_accounts)
        self.graph = IdentityGraph(self.config.identify_max_user_ids, self.config.identify_window_days * 86400.0)

    def clear(self) -> None:
        with self.lock:
            self._clear()

    def ensure_users(self, app_id: str, identities: Iterable[str | None]) -> None:
        """D-track: an event for an unknown identity creates the user.

        Most events are by users already known: those are seen without the lock (a dict read is
        atomic), and only a new user takes it.
        """
        table = self.users
        rows = table.rows  # the dict itself: `in` on it skips a method call per event
        for identity in identities:
            if identity is not None and (app_id, identity) not in rows:
                with self.lock:
                    table.row((app_id, identity))
                    self._drop_users_over_cap()

    def add_user_properties(self, request: UserPropertiesRequest) -> None:
        with self.lock:
            for update in request.updates:
                self.users.row((request.app_id, update.identity)).update(update.properties)
            self._drop_users_over_cap()

    def add_account_properties(self, request: AccountPropertiesRequest) -> None:
        with self.lock:
            for update in request.updates:
                self.accounts.row((request.app_id, update.account_id)).update(update.properties)
            self.accounts.evict_over_cap()

    def identify(self, request: IdentifyRequest, now: float) -> IdentifyOutcome:
        with self.lock:
            outcome = self.graph.link(request, now)
            if outcome.applied:
                self.users.row((request.app_id, request.identity))
                self._drop_users_over_cap()
            return outcome

    def restore(self, users: Iterable[IdentityRecord], accounts: Iterable[IdentityRecord]) -> None:
        """Users (with their identify links) and accounts read from a session file, oldest created
        first, within max_users and max_accounts as on arrival."""
        with self.lock:
            for user in users:
                self.users.row((user.app_id, user.key)).update(user.properties)
                self.graph.restore(user.app_id, user.key, user.user_ids, user.recent_links)
                self._drop_users_over_cap()
            for account in accounts:
                self.accounts.row((account.app_id, account.key)).update(account.properties)
                self.accounts.evict_over_cap()

    def user_documents(self) -> Iterator[dict[str, Any]]:
        """Every user as a session file keeps it, in creation order; the lock is taken per chunk of
        users, so an export of a million never holds up the requests arriving meanwhile."""
        for chunk in self._key_chunks(self.users):
            with self.lock:
                graph = self.graph
                documents = [
                    {"app_id": app, "identity": identity, "properties": dict(row), "user_ids": graph.user_ids_of(app, identity),
                     "recent_links": [{"at": to_iso(at), "user_id": user_id} for at, user_id in graph.recent_links(app, identity)]}
                    for app, identity in chunk if (row := self.users.rows.get((app, identity))) is not None
                ]  # fmt: skip
            yield from documents

    def account_documents(self) -> Iterator[dict[str, Any]]:
        """Every account as a session file keeps it, in creation order, a chunk per lock."""
        for chunk in self._key_chunks(self.accounts):
            with self.lock:
                rows = [(key, dict(row)) for key in chunk if (row := self.accounts.rows.get(key)) is not None]
            yield from [{"app_id": app, "account_id": account, "properties": properties} for (app, account), properties in rows]

    def _key_chunks(self, table: CappedTable[Key], size: int = 1000) -> Iterator[list[Key]]:
        with self.lock:
            keys = list(table)
        for start in range(0, len(keys), size):
            yield keys[start : start + size]

    def _drop_users_over_cap(self) -> None:
        """Past max_users, drop the oldest-created users and their identify links (lock held)."""
        if len(self.users) > self.users.cap:
            for app_id, identity in self.users.evict_over_cap():
                self.graph.forget_identity(app_id, identity)

    def forget_people(self, app_id: str, targets: list[DeletionTarget]) -> tuple[set[str], set[str]]:
        """Remove the targets' users and links (the deletion API); returns every identity and
        user_id they name, directly or through identify links, for the event store to remove."""
        identities = {target.identity for target in targets if target.identity}
        user_ids = {target.user_id for target in targets if target.user_id}
        with self.lock:
            graph = self.graph
            identities |= {identity for user_id in user_ids if (identity := graph.identity_of(app_id, user_id))}
            user_ids |= graph.user_ids_of_any(app_id, identities)
            for identity in identities:
                self.users.pop((app_id, identity))
            graph.forget(app_id, identities, user_ids)
        return identities, user_ids

    def user_page(self, filters: dict[str, str], *, newest_first: bool, offset: int, limit: int | None) -> tuple[list[dict[str, Any]], int]:
        with self.lock:
            keys, total = _page_keys(self.users, filters, "identity", newest_first, offset, limit)
            return [
                {"app_id": app, "identity": ident, "properties": dict(self.users[(app, ident)]), "user_ids": self.graph.user_ids_of(app, ident)}
                for app, ident in keys
            ], total

    def account_page(self, filters: dict[str, str], *, newest_first: bool, offset: int, limit: int | None) -> tuple[list[dict[str, Any]], int]:
        with self.lock:
            keys, total = _page_keys(self.accounts, filters, "account_id", newest_first, offset, limit)
            return [{"app_id": app, "account_id": acc, "properties": dict(self.accounts[(app, acc)])} for app, acc in keys], total

    def counts(self) -> dict[str, int]:
        with self.lock:
            return {
                "users": len(self.users), "accounts": len(self.accounts),
                "users_dropped": self.users.dropped, "accounts_dropped": self.accounts.dropped,
            }


def _page_keys(
    table: CappedTable[Key], filters: dict[str, str], second: str, newest_first: bool, offset: int, limit: int | None
) -> tuple[list[Key], int]:
    """A page of `table`'s keys in insertion order, filtered by app_id and/or the second key part.

    Unfiltered, only the page is walked; a filter on both parts is one lookup; others walk the keys.
    """
    app_id, name = filters.get("app_id"), filters.get(second)
    end = None if limit is None else offset + limit
    if app_id is not None and name is not None:
        keys = [(app_id, name)] if (app_id, name) in table else []
        return keys[offset:end], len(keys)
    ordered = reversed(table) if newest_first else iter(table)
    if app_id is None and name is None:
        return list(islice(ordered, offset, end)), len(table)
    matching = [key for key in ordered if (app_id is None or key[0] == app_id) and (name is None or key[1] == name)]
    return matching[offset:end], len(matching)
