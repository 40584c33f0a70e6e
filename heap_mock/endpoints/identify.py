"""`POST /api/v1/identify`: tie a Heap SDK `user_id` to an `identity` (D-ident).

Validation is here; the documented caps (one identity per user_id, ten user_ids per identity per
30 days, the excess silently ignored) need history, so `IdentityGraph` keeps it, without I/O.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from heap_mock.endpoints.common import (
    ABSENT,
    Findings,
    check_app_id,
    check_identity,
    check_timestamp,
    check_user_id,
    require_object,
)
from heap_mock.endpoints.view import json_body, success_answer
from http_layer.answers import Answer

if TYPE_CHECKING:
    from heap_mock.simulator import Call


@dataclass(frozen=True)
class IdentifyRequest:
    app_id: str
    user_id: str
    identity: str
    timestamp: float


def validate_identify(body: Any, *, now: float) -> IdentifyRequest:
    findings = Findings()
    body = require_object(body, findings)
    app_id = check_app_id(body, findings)
    user_id = identity = None
    for key in ("user_id", "identity"):
        if body.get(key) is None:
            findings.add("identify.required", "postBody", f"should have required property '{key}'")
    if body.get("user_id") is not None:
        user_id = check_user_id(body["user_id"], "postBody.user_id", findings)
    if body.get("identity") is not None:
        identity = check_identity(body["identity"], "postBody.identity", findings)
    timestamp = check_timestamp(body.get("timestamp", ABSENT), "postBody", findings, now)
    findings.raise_if_any()
    assert user_id is not None and identity is not None
    return IdentifyRequest(app_id, user_id, identity, timestamp)


@dataclass(frozen=True)
class IdentifyOutcome:
    applied: bool
    ignored_by: str | None  # the rule that silently dropped it, if any


class IdentityGraph:
    """user_id → identity links per app, with D-ident's caps. Not thread-safe: the caller locks.

    Every link hangs on a user (identify creates it), and the links go with the user: deleted
    (`forget`) or evicted past max_users (`forget_identity`), so the graph is bounded with the users.
    """

    def __init__(self, max_user_ids: int, window_s: float) -> None:
        self._max_user_ids = max_user_ids
        self._window_s = window_s
        self._identity_of: dict[tuple[str, str], str] = {}
        self._user_ids: dict[tuple[str, str], dict[str, None]] = {}  # the reverse of _identity_of, for listings
        self._links: dict[tuple[str, str], deque[tuple[float, str]]] = {}

    def link(self, request: IdentifyRequest, now: float) -> IdentifyOutcome:
        key = (request.app_id, request.user_id)
        known = self._identity_of.get(key)
        if known is not None:
            ignored = None if known == request.identity else "identify.one_identity_per_user_id"
            return IdentifyOutcome(False, ignored)
        links = self._recent_links(request.app_id, request.identity, now)
        if len(links) >= self._max_user_ids:
            return IdentifyOutcome(False, "identify.ten_user_ids_per_identity")
        links.append((now, request.user_id))
        self._identity_of[key] = request.identity
        self._user_ids.setdefault((request.app_id, request.identity), {})[request.user_id] = None
        return IdentifyOutcome(True, None)

    def _recent_links(self, app_id: str, identity: str, now: float) -> deque[tuple[float, str]]:
        links = self._links.setdefault((app_id, identity), deque())
        while links and links[0][0] <= now - self._window_s:
            links.popleft()
        return links

    def identity_of(self, app_id: str, user_id: str) -> str | None:
        return self._identity_of.get((app_id, user_id))

    def user_ids_of(self, app_id: str, identity: str) -> list[str]:
        """The user_ids linked to one identity, in the order they were linked."""
        return list(self._user_ids.get((app_id, identity), ()))

    def user_ids_of_any(self, app_id: str, identities: set[str]) -> set[str]:
        return {user_id for identity in identities for user_id in self._user_ids.get((app_id, identity), ())}

    def recent_links(self, app_id: str, identity: str) -> list[tuple[float, str]]:
        """The identity's links still inside the identify window: (linked at, user_id), oldest first."""
        return list(self._links.get((app_id, identity), ()))

    def restore(self, app_id: str, identity: str, user_ids: tuple[str, ...], recent: tuple[tuple[float, str], ...]) -> None:
        """Links read from a session file; a user_id already tied to another identity keeps that one."""
        for user_id in user_ids:
            if self._identity_of.setdefault((app_id, user_id), identity) == identity:
                self._user_ids.setdefault((app_id, identity), {})[user_id] = None
        if recent:
            self._links.setdefault((app_id, identity), deque()).extend(sorted(recent))

    def forget_identity(self, app_id: str, identity: str) -> None:
        """Drop one identity's links both ways (its user was evicted for room): O(its links)."""
        for user_id in self._user_ids.pop((app_id, identity), ()):
            self._identity_of.pop((app_id, user_id), None)
        self._links.pop((app_id, identity), None)

    def forget(self, app_id: str, identities: set[str], user_ids: set[str]) -> None:
        """Drop deleted users' links (the deletion API), in one pass."""
        self._identity_of = {
            key: identity for key, identity in self._identity_of.items()
            if not (key[0] == app_id and (identity in identities or key[1] in user_ids))
        }
        self._user_ids = {}
        for (app, user_id), identity in self._identity_of.items():
            self._user_ids.setdefault((app, identity), {})[user_id] = None
        for identity in identities:
            self._links.pop((app_id, identity), None)


# --- the view ---------------------------------------------------------------------------------------
def identify(call: Call) -> Answer:
    sim = call.sim
    now = sim.clock.now()
    outcome = sim.state.identify(validate_identify(json_body(call), now=now), now)
    if outcome.ignored_by:
        call.exchange.ignored_by = outcome.ignored_by  # D-ident: dropped silently, but the journal says why
    return success_answer(sim.config.success_body)
