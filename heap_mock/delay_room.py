"""Where requests wait out a delay fault, so that the control plane always has a thread to run on.

A delay fault holds a request thread for its whole delay: WSGI gives a server no way to set a
request aside and come back to it. With every request thread asleep, `/_mock/` and the console
queue behind them, so the fault could not even be removed (two 5 s delays on granian's default
two threads kept `/_mock/health` waiting 4.7 s). So at most `capacity` requests, one fewer than
the server's request threads, wait at once; a delayed request that finds them all taken is
answered 503 at once with Retry-After (`fault.delay_capacity`), as an overloaded server answers,
and the journal says why. Clearing the faults or resetting wakes every waiting request at once,
so removing a delay fault takes effect at once too.
"""

from __future__ import annotations

import threading
import time

from heap_mock.errors import HeapMockError


class DelayCapacityFull(HeapMockError):
    """A delayed request that found every spare request thread already waiting out a delay."""

    code = 503
    rule_id = "fault.delay_capacity"
    json_body = True

    def extra_headers(self) -> dict[str, str]:
        return {"Retry-After": "1"}


class DelayRoom:
    """Room for `capacity` requests to wait out their delays at once (None: no bound, no server told us)."""

    def __init__(self, capacity: int | None = None) -> None:
        self.capacity = capacity
        self._changed = threading.Condition()
        self._waiting = 0
        self._wakings = 0  # how many times wake_all() was called; a waiter leaves when it moves

    @classmethod
    def for_threads(cls, threads: int) -> DelayRoom:
        """The room for a server with `threads` request threads: all but one, kept for the control plane."""
        return cls(max(threads - 1, 0))

    def wait(self, seconds: float) -> None:
        """Wait out a delay of `seconds` (cut short by wake_all), or raise DelayCapacityFull at once."""
        with self._changed:
            if self.capacity is not None and self._waiting >= self.capacity:
                raise DelayCapacityFull(
                    f"{self._waiting} delayed request(s) already hold the {self.capacity} request thread(s) the simulator can spare "
                    "for delays; one is kept free for the control plane (more: heap-mock serve --threads N)"
                )
            self._waiting += 1
            try:
                self._sleep(seconds)
            finally:
                self._waiting -= 1

    def _sleep(self, seconds: float) -> None:
        # A real delay: it exists to trip client timeouts, so it runs on the wall clock.
        deadline, wakings = time.monotonic() + seconds, self._wakings
        while self._wakings == wakings and (left := deadline - time.monotonic()) > 0:
            self._changed.wait(left)

    def wake_all(self) -> None:
        """End every delay being waited out now (the faults were cleared or the simulator reset)."""
        with self._changed:
            self._wakings += 1
            self._changed.notify_all()

    @property
    def waiting(self) -> int:
        return self._waiting
