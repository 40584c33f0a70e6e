"""Where requests wait out a delay fault, without ever starving the control plane.

A delay exists to trip a client's timeout, so it runs on the wall clock, and it can be cut short:
clearing the faults or resetting wakes every waiting request at once (`wake_all`).

How a delay waits depends on the server:
- Under waitress (WSGI) a waiting request holds a request thread: WSGI gives a server no way to set
  a request aside. With every thread asleep, the control plane would queue behind them and the
  fault could not even be removed. So at most `capacity` requests wait at once, one fewer than the
  server's threads; a delayed request that finds them all taken is answered 503 at once with
  Retry-After (`fault.delay_capacity`), as an overloaded server answers.
- Under granian (RSGI) a waiting request is a suspended coroutine and holds no thread, so the
  control plane is never starved; the room still caps how many wait at once (`ASYNC_CAPACITY`), so
  that a flood of delayed requests cannot hold their bodies in memory without bound.
"""

from __future__ import annotations

import asyncio
import threading
import time

from http_layer.errors import DelayCapacityFull

ASYNC_CAPACITY = 256


class DelayRoom:
    """Room for `capacity` requests to wait out their delays at once (None: no bound)."""

    def __init__(self, capacity: int | None = None) -> None:
        self.capacity = capacity
        self._changed = threading.Condition()
        self._waiting = 0
        self._wakings = 0  # how many times wake_all() was called; a waiter leaves when it moves
        self._async_wakers: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    @classmethod
    def for_threads(cls, threads: int) -> DelayRoom:
        """The room for a threaded server with `threads` request threads: all but one, kept for the control plane."""
        return cls(max(threads - 1, 0))

    def _enter(self) -> int:
        with self._changed:
            if self.capacity is not None and self._waiting >= self.capacity:
                raise DelayCapacityFull(
                    f"{self._waiting} delayed request(s) already wait, as many as this server has room for "
                    f"({self.capacity}); under waitress one request thread is kept free for the control plane "
                    "(more: --threads N)"
                )
            self._waiting += 1
            return self._wakings

    def _leave(self) -> None:
        with self._changed:
            self._waiting -= 1

    def wait(self, seconds: float) -> None:
        """Wait out a delay of `seconds` in this thread (cut short by wake_all), or raise DelayCapacityFull at once."""
        wakings = self._enter()
        try:
            deadline = time.monotonic() + seconds
            with self._changed:
                while self._wakings == wakings and (left := deadline - time.monotonic()) > 0:
                    self._changed.wait(left)
        finally:
            self._leave()

    async def wait_async(self, seconds: float) -> None:
        """Wait out a delay of `seconds` on the event loop, holding no thread; cut short by wake_all."""
        self._enter()
        woken = asyncio.Event()
        waker = (asyncio.get_running_loop(), woken)
        self._async_wakers.add(waker)
        try:
            await asyncio.wait_for(woken.wait(), seconds)
        except TimeoutError:
            pass
        finally:
            self._async_wakers.discard(waker)
            self._leave()

    def wake_all(self) -> None:
        """End every delay being waited out now (the faults were cleared or the simulator reset)."""
        with self._changed:
            self._wakings += 1
            self._changed.notify_all()
        for loop, woken in list(self._async_wakers):
            loop.call_soon_threadsafe(woken.set)

    @property
    def waiting(self) -> int:
        return self._waiting
