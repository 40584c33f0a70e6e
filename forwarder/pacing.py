"""Pacing to Heap's documented rate limits, so that in steady state no request is refused with 429.

Pure bookkeeping, no I/O and no clock of its own: the caller says what time it is. Each limit is a
sliding window (no window of that length may admit more than the limit), kept as a log of
(time, cost) per key that expires lazily when the key is next looked at. Sources: the seed's
Data Processing Notes, D-track, D-aup, D-btrack, all in heap_facts.limits.

Why this is not the simulator's limiter (heap_mock/ratelimit.py), though both keep sliding windows:
the limiter is the oracle the conformance suite's LIMIT-* rules judge by, so it must stay
independent of the code it judges; one shared window would let a bug in it pass on both sides.
The two also answer different questions: the limiter "admit or refuse now, and Retry-After"; the
pacer "when will these demands fit", with a safety margin for the server's clock.

  track            30 requests / 30 s per identity per app_id   (one event each)
  user_properties  30 requests / 30 s per identity per app_id
  bulk_identity    1000 events / 60 s per identity per app_id
  bulk_app         15,000 events / 60 s per app_id
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from forwarder.model import HeapRequest
from heap_facts.limits import DOCUMENTED_LIMITS as FACTS


@dataclass(frozen=True)
class Limit:
    """At most `limit` units (requests or events) in any `window_s` seconds."""

    limit: int
    window_s: float


DOCUMENTED_LIMITS: dict[str, Limit] = {name: Limit(spec.limit, spec.window_s) for name, spec in FACTS.items()}

# Sent this much after a unit leaves the window, so that a server whose clock reads the same
# instant a hair later (float sums, the request's own transit) has also let it go.
SAFETY_MARGIN_S = 0.001
_SWEEP_FLOOR = 4096


@dataclass(frozen=True)
class Demand:
    """`cost` units against limit `name` for `key` (app_id plus identity, or app_id alone)."""

    name: str
    key: tuple[str, ...]
    cost: int


def demands_of(request: HeapRequest) -> list[Demand]:
    """What one Heap request counts against, per the documented limits."""
    app_id = str(request.body.get("app_id"))
    kind = request.kind
    if kind == "bulk_track":
        per_identity = request.events_per_identity()
        demands = [Demand("bulk_identity", (app_id, identity), count) for identity, count in per_identity.items()]
        return [*demands, Demand("bulk_app", (app_id,), request.heap_events)]
    return [Demand(kind, (app_id, str(request.body.get("identity"))), 1)]


class _Window:
    """The admitted costs of one key under one limit, oldest first, with their running total."""

    __slots__ = ("entries", "total")

    def __init__(self) -> None:
        self.entries: deque[tuple[float, int]] = deque()
        self.total = 0

    def expire(self, now: float, window_s: float) -> None:
        entries = self.entries
        while entries and entries[0][0] <= now - window_s:
            self.total -= entries.popleft()[1]

    def ready_at(self, cost: int, limit: Limit, now: float) -> float:
        """The earliest time `cost` more units fit, if nothing else is admitted meanwhile."""
        excess = self.total + min(cost, limit.limit) - limit.limit
        if excess <= 0:
            return now
        freed = 0
        for admitted_at, admitted_cost in self.entries:
            freed += admitted_cost
            if freed >= excess:
                return admitted_at + limit.window_s + SAFETY_MARGIN_S
        return now + limit.window_s  # unreachable while the total is consistent


class Pacer:
    """The sliding windows of every (limit, key) one forwarder has used."""

    def __init__(self, limits: dict[str, Limit] | None = None) -> None:
        self.limits = dict(DOCUMENTED_LIMITS if limits is None else limits)
        self._windows: dict[tuple[str, tuple[str, ...]], _Window] = {}
        self._sweep_at = _SWEEP_FLOOR

    def ready_at(self, demands: Iterable[Demand], now: float) -> float:
        """The earliest time all `demands` fit together (now, if they fit now)."""
        return max((self._window(d, now).ready_at(d.cost, self.limits[d.name], now) for d in demands), default=now)

    def admit(self, demands: Iterable[Demand], at: float) -> None:
        """Record demands the server has just been sent (at `at`, the time its answer came back)."""
        for demand in demands:
            window = self._window(demand, at)
            window.entries.append((at, demand.cost))
            window.total += demand.cost
        if len(self._windows) >= self._sweep_at:
            self._sweep(at)

    def _window(self, demand: Demand, now: float) -> _Window:
        key = (demand.name, demand.key)
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = _Window()
        else:
            window.expire(now, self.limits[demand.name].window_s)
        return window

    def _sweep(self, now: float) -> None:
        """Forget identities whose windows emptied, so memory stays bounded over long runs.
        Sweeping only when the count has doubled keeps it amortised O(1) per request."""
        for key, window in list(self._windows.items()):
            window.expire(now, self.limits[key[0]].window_s)
            if not window.entries:
                del self._windows[key]
        self._sweep_at = max(_SWEEP_FLOOR, 2 * len(self._windows))
