"""Heap's documented rate limits: how many units, in what sliding window, counted per what.

Source: the seed's Data Processing Notes, which repeat D-track, D-aup and D-btrack. The simulator's
limiter enforces these by default (its config may change them) and the conformance suite refuses a
simulator that does not; the forwarder's pacer stays under them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from heap_facts.paths import ADD_USER_PROPERTIES, TRACK


class Scope(StrEnum):
    """What one window is kept for."""

    IDENTITY = "per identity per app_id"
    APP = "per app_id"


class Unit(StrEnum):
    REQUESTS = "requests"
    EVENTS = "events"


@dataclass(frozen=True)
class DocumentedLimit:
    """At most `limit` units in any `window_s` seconds, per `scope`, on `endpoint`."""

    name: str
    limit: int
    window_s: float
    unit: Unit
    scope: Scope
    endpoint: str
    source: str

    @property
    def count_text(self) -> str:
        """The limit as the sources write it: 1000, but 15,000."""
        return f"{self.limit:,}" if self.limit >= 10_000 else str(self.limit)


DOCUMENTED_LIMITS: dict[str, DocumentedLimit] = {
    limit.name: limit
    for limit in (
        DocumentedLimit("track", 30, 30.0, Unit.REQUESTS, Scope.IDENTITY, f"{TRACK} (one event)", "seed Data Processing Notes; D-track"),
        DocumentedLimit("user_properties", 30, 30.0, Unit.REQUESTS, Scope.IDENTITY, ADD_USER_PROPERTIES, "seed Data Processing Notes; D-aup"),
        DocumentedLimit("bulk_identity", 1000, 60.0, Unit.EVENTS, Scope.IDENTITY, f"{TRACK} (bulk)", "seed Data Processing Notes; D-btrack"),
        DocumentedLimit("bulk_app", 15_000, 60.0, Unit.EVENTS, Scope.APP, f"{TRACK} (bulk)", "seed Data Processing Notes; D-btrack"),
    )
}

LONGEST_WINDOW_S = max(spec.window_s for spec in DOCUMENTED_LIMITS.values())  # no documented wait is longer

# D-ident: one identity per user_id, and at most 10 user_ids per identity "over a one-month period",
# read as 30 days. Not a rate limit (identify answers 200 and ignores what is over the cap).
IDENTIFY_MAX_USER_IDS = 10
IDENTIFY_WINDOW_DAYS = 30.0


def limits_table() -> dict[str, dict[str, float]]:
    """The limits as plain data (`{"track": {"limit": 30, "window_s": 30.0}, ...}`), as the simulator's config shows them."""
    return {name: {"limit": spec.limit, "window_s": spec.window_s} for name, spec in DOCUMENTED_LIMITS.items()}
