"""Sliding-window rate limits, exactly as Heap documents them, without I/O or timers.

Each (limit, key) pair keeps a log of admitted costs with their times. A cost is admitted only if
the costs admitted in the last `window_s` seconds plus it stay within the limit, so no window of
that length ever admits more. Entries expire lazily when the key is next checked (no background
timer, so tests never wait). When the virtual clock is moved back, entries that now lie in the
future are dropped, not kept or re-based: a window is measured back from the clock's now, and budget
spent at a time that has not yet come holds none of it (otherwise a 30 s window would refuse for
as long as the clock was moved back, months on end). A request is checked against all its limits at once and admitted
into all of them or none: a throttled request uses up no budget.

Not thread-safe on its own: the simulator's state lock makes check-and-admit atomic.

Why the forwarder's pacer (forwarder/pacing.py) keeps its own windows instead of sharing these:
this limiter is the oracle for the conformance suite's LIMIT-* rules, so it must not share code with
the forwarder it judges (a shared bug would pass on both sides). Only the limits themselves are
shared, from heap_facts.limits, because they are Heap's facts, not an algorithm.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from heap_mock.config import LimitSpec


class Demand(NamedTuple):
    """`cost` units against limit `name` for `key` (an identity, or an app_id for app-wide limits).

    A NamedTuple, not a frozen dataclass: one is built per request, and a frozen dataclass's
    __init__ cost a tenth of a single track request.
    """

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
    """The admitted costs of one key under one limit, oldest first, with their running total.

    A list with a moving head rather than a deque: a deque allocates a 64-slot block per key,
    which at 100,000 one-event identities was most of the simulator's memory.
    """

    __slots__ = ("costs", "head", "times", "total")

    def __init__(self) -> None:
        self.times: list[float] = []
        self.costs: list[int] = []
        self.head = 0
        self.total = 0

    def __len__(self) -> int:
        return len(self.times) - self.head

    def oldest(self) -> float:
        return self.times[self.head]

    def expire(self, now: float, window_s: float) -> None:
        if self.times and self.times[-1] > now:
            self.drop_future(now)
        times, head, cutoff = self.times, self.head, now - window_s
        while head < len(times) and times[head] <= cutoff:
            self.total -= self.costs[head]
            head += 1
        if head > 64 and head * 2 > len(times):
            del times[:head], self.costs[:head]  # compact now and then, amortised O(1)
            head = 0
        self.head = head

    def drop_future(self, now: float) -> None:
        """Forget what was admitted after `now` (the clock was moved back past it)."""
        kept = [(at, cost) for at, cost in zip(self.times[self.head :], self.costs[self.head :], strict=True) if at <= now]
        self.times, self.costs, self.head = [at for at, _ in kept], [cost for _, cost in kept], 0
        self.total = sum(self.costs)

    def wait_for(self, cost: int, limit: int, now: float, window_s: float) -> float:
        """Seconds until `cost` more fits; 0 if it fits now. A cost over the limit never fits."""
        excess = self.total + cost - limit
        if excess <= 0:
            return 0.0
        if cost > limit:
            return window_s
        freed = 0
        for index in range(self.head, len(self.times)):
            freed += self.costs[index]
            if freed >= excess:
                return min(self.times[index] + window_s - now, window_s)
        return window_s  # unreachable while totals are consistent

    def admit(self, cost: int, now: float) -> None:
        self.times.append(now)
        self.costs.append(cost)
        self.total += cost


_SWEEP_FLOOR = 4096


class RateLimiter:
    """All sliding-window logs of one simulator."""

    def __init__(self, limits: dict[str, LimitSpec]) -> None:
        self.limits = limits
        self._logs: dict[tuple[str, tuple[str, ...]], WindowLog] = {}
        self._sweep_at = _SWEEP_FLOOR

    def check(self, demands: Iterable[Demand], now: float) -> Refusal | None:
        """The refusal with the longest wait among `demands`, or None if all fit now."""
        worst: Refusal | None = None
        for demand in demands:
            spec = self.limits[demand.name]
            wait = self._log(demand, now, spec).wait_for(demand.cost, spec.limit, now, spec.window_s)
            if wait > 0 and (worst is None or wait > worst.wait_s):
                worst = Refusal(demand.name, demand.key, wait)
        return worst

    def admit(self, demands: Iterable[Demand], now: float) -> None:
        """Record demands that `check` just passed (the caller holds the lock between the two)."""
        logs = self._logs
        for demand in demands:
            log = logs.get((demand.name, demand.key))
            if log is None:
                log = self._log(demand, now, self.limits[demand.name])
            log.admit(demand.cost, now)
        if len(logs) >= self._sweep_at:
            # Drop the logs of keys that went quiet, so memory stays bounded. Sweeping only when
            # the count has doubled since the last sweep keeps the cost amortised O(1) per request.
            self._sweep(now)
            self._sweep_at = max(_SWEEP_FLOOR, 2 * len(logs))

    def _log(self, demand: Demand, now: float, spec: LimitSpec) -> WindowLog:
        key = (demand.name, demand.key)
        log = self._logs.get(key)
        if log is None:
            log = self._logs[key] = WindowLog()
        elif log.times:
            log.expire(now, spec.window_s)
        return log

    def _sweep(self, now: float) -> None:
        for key, log in list(self._logs.items()):
            log.expire(now, self.limits[key[0]].window_s)
            if not len(log):
                del self._logs[key]

    def usage(self, now: float) -> list[WindowUsage]:
        """Every key with units in its window now, for the inspection API and the console."""
        self._sweep(now)
        report = []
        for (name, key), log in self._logs.items():
            spec = self.limits[name]
            frees_at = log.oldest() + spec.window_s
            report.append(WindowUsage(name, key, log.total, spec.limit, spec.window_s, frees_at))
        return report

    def clear(self) -> None:
        self._logs.clear()
