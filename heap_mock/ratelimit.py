"""Sliding-window rate limits, exactly as Heap documents them, without I/O or timers.

Each (limit, key) pair keeps a log of admitted costs with their times. A cost is admitted only if
the costs admitted in the last `window_s` seconds plus it stay within the limit, so no window of
that length ever admits more. Entries expire lazily when the key is next checked (no background
timer, so tests never wait). A request is checked against all its limits at once and admitted
into all of them or none: a throttled request uses up no budget.

Not thread-safe on its own: the simulator's state lock makes check-and-admit atomic.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Iterable

from heap_mock.config import LimitSpec


@dataclass(frozen=True)
class Demand:
    """`cost` units against limit `name` for `key` (an identity, or an app_id for app-wide limits)."""

    name: str
    key: tuple[str, ...]
    cost: int


@dataclass(frozen=True)
class Refusal:
    name: str
    key: tuple[str, ...]
    wait_s: float  # clock seconds until the demand would be admitted


@dataclass(frozen=True)
class WindowUsage:
    name: str
    key: tuple[str, ...]
    used: int
    limit: int
    window_s: float
    frees_at: float | None  # when the oldest admitted unit leaves the window


class WindowLog:
    """The admitted costs of one key under one limit, oldest first, with their running total."""

    __slots__ = ("entries", "total")

    def __init__(self) -> None:
        self.entries: deque[tuple[float, int]] = deque()
        self.total = 0

    def expire(self, now: float, window_s: float) -> None:
        entries = self.entries
        while entries and entries[0][0] <= now - window_s:
            self.total -= entries.popleft()[1]

    def wait_for(self, cost: int, limit: int, now: float, window_s: float) -> float:
        """Seconds until `cost` more fits; 0 if it fits now. A cost over the limit never fits."""
        excess = self.total + cost - limit
        if excess <= 0:
            return 0.0
        if cost > limit:
            return window_s
        freed = 0
        for admitted_at, admitted_cost in self.entries:
            freed += admitted_cost
            if freed >= excess:
                return admitted_at + window_s - now
        return window_s  # unreachable while totals are consistent

    def admit(self, cost: int, now: float) -> None:
        self.entries.append((now, cost))
        self.total += cost


_SWEEP_EVERY = 4096


class RateLimiter:
    """All sliding-window logs of one simulator."""

    def __init__(self, limits: dict[str, LimitSpec]) -> None:
        self.limits = limits
        self._logs: dict[tuple[str, tuple[str, ...]], WindowLog] = {}
        self._admits = 0

    def check(self, demands: Iterable[Demand], now: float) -> Refusal | None:
        """The refusal with the longest wait among `demands`, or None if all fit now."""
        worst: Refusal | None = None
        for demand in demands:
            spec = self.limits[demand.name]
            log = self._log(demand, now)
            wait = log.wait_for(demand.cost, spec.limit, now, spec.window_s)
            if wait > 0 and (worst is None or wait > worst.wait_s):
                worst = Refusal(demand.name, demand.key, wait)
        return worst

    def admit(self, demands: Iterable[Demand], now: float) -> None:
        for demand in demands:
            self._log(demand, now).admit(demand.cost, now)
        self._admits += 1
        if self._admits % _SWEEP_EVERY == 0:
            self.usage(now)  # drops the logs of keys that went quiet, so memory stays bounded

    def _log(self, demand: Demand, now: float) -> WindowLog:
        log = self._logs.get((demand.name, demand.key))
        if log is None:
            log = self._logs[(demand.name, demand.key)] = WindowLog()
        log.expire(now, self.limits[demand.name].window_s)
        return log

    def usage(self, now: float) -> list[WindowUsage]:
        """Every key with units in its window now, for the inspection API and the console."""
        report = []
        for (name, key), log in list(self._logs.items()):
            spec = self.limits[name]
            log.expire(now, spec.window_s)
            if not log.entries:
                del self._logs[(name, key)]
                continue
            frees_at = log.entries[0][0] + spec.window_s
            report.append(WindowUsage(name, key, log.total, spec.limit, spec.window_s, frees_at))
        return report

    def clear(self) -> None:
        self._logs.clear()
