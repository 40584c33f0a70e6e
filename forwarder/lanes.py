"""Lanes: the Heap requests waiting to be sent, and which one goes next. Pure bookkeeping: no I/O,
no clock of its own (the caller says what time it is), no lock (the Forwarder holds its own).

One first-in, first-out lane per (limit family, app, identity): requests that count against the
same per-identity window keep their order, and every other lane goes ahead while one waits for
its window, its Retry-After or its backoff. The app-wide limit is one window in the shared Pacer,
so all lanes share it. New requests join at any time, into their lane or a new one.

Two heaps of lane heads pick the next request: those that may go now, in the order they arrived
(so, when nothing waits, requests go exactly in the order they were submitted, an identity's
track and bulk requests too), and those waiting for a time (a window, a Retry-After, a backoff),
earliest first, which join the first heap when their time comes. Whether a head may go is
re-checked with the pacer when it comes up, since sending others in the meantime can only have
pushed its time later. A lane whose head is being sent is in neither heap until the attempt's
outcome is known.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass

from forwarder.model import FailedRequest, HeapRequest
from forwarder.pacing import Demand, Pacer, demands_of

LaneKey = tuple[str, ...]
Outcome = HeapRequest | FailedRequest  # the request itself once delivered, or its failure


class Ticket:
    """What became of requests submitted together: for each, in order, the request once delivered,
    its failure once given up, or None while it is still on its way."""

    def __init__(self, count: int) -> None:
        self.outcomes: list[Outcome | None] = [None] * count
        self.left = count

    @property
    def done(self) -> bool:
        return self.left == 0

    def record(self, slot: int, outcome: Outcome) -> None:
        self.outcomes[slot] = outcome
        self.left -= 1


@dataclass
class Pending:
    """A request in its lane, with what its attempts so far have taught."""

    seq: int  # submission order, across all lanes
    request: HeapRequest
    demands: list[Demand]
    lane: LaneKey
    ticket: Ticket
    slot: int
    not_before: float = 0.0
    attempts: int = 0
    failures: int = 0
    throttles: int = 0
    last_status: int | None = None
    last_reason: str = ""


class Lanes:
    """Every lane of one Forwarder, the heaps of their heads, and the pacer they share."""

    def __init__(self, pacer: Pacer) -> None:
        self.pacer = pacer
        self.waiting = 0  # requests not finished yet, those being sent included
        self._lanes: dict[LaneKey, deque[Pending]] = {}
        self._ready: list[tuple[int, LaneKey]] = []  # (head's seq, lane): may go now, first come first
        self._timed: list[tuple[float, int, LaneKey]] = []  # (time, head's seq, lane): may go at that time
        self._seq = 0

    def add(self, requests: list[HeapRequest], ticket: Ticket) -> None:
        """Put `requests` at the back of their lanes; a new lane's head may go at once."""
        for slot, request in enumerate(requests):
            demands = demands_of(request)
            key = lane_of(request, demands)
            pending = Pending(self._seq, request, demands, key, ticket, slot)
            self._seq += 1
            lane = self._lanes.get(key)
            if lane is None:
                self._lanes[key] = deque([pending])
                heapq.heappush(self._ready, (pending.seq, key))
            else:
                lane.append(pending)
        self.waiting += len(requests)

    def next(self, now: float) -> Pending | float | None:
        """The request to send now (its lane out of turn until `returned`); else the time the next one
        may go; None when no lane is waiting for its turn."""
        while self._timed and self._timed[0][0] <= now:
            _, seq, key = heapq.heappop(self._timed)
            heapq.heappush(self._ready, (seq, key))
        while self._ready:
            seq, key = heapq.heappop(self._ready)
            pending = self._lanes[key][0]
            ready = max(pending.not_before, self.pacer.ready_at(pending.demands, now))
            if ready <= now:
                return pending
            heapq.heappush(self._timed, (ready, seq, key))
        return self._timed[0][0] if self._timed else None

    def returned(self, pending: Pending, finished: bool, now: float) -> None:
        """The attempt of `pending` is over; it leaves its lane if `finished`, and the lane's head takes its turn."""
        lane = self._lanes[pending.lane]
        if finished:
            lane.popleft()
            self.waiting -= 1
        if not lane:
            del self._lanes[pending.lane]
        elif lane[0].not_before > now:
            heapq.heappush(self._timed, (lane[0].not_before, lane[0].seq, pending.lane))
        else:
            heapq.heappush(self._ready, (lane[0].seq, pending.lane))

    def drop_all(self) -> list[Pending]:
        """Empty every lane; returns what was in them, those being sent included."""
        dropped = [pending for lane in self._lanes.values() for pending in lane]
        self._lanes.clear()
        self._ready.clear()
        self._timed.clear()
        self.waiting = 0
        return dropped


def lane_of(request: HeapRequest, demands: list[Demand]) -> LaneKey:
    """Requests that count against the same per-identity window share a lane, so they keep their order."""
    return (request.kind, *demands[0].key)
