"""Time for delivery, passed in when a Forwarder is built: what time it is, and a wait that ends
early when there is news.

The Forwarder's scheduler waits for the next rate-limit window, Retry-After or backoff with
`clock.wait(seconds, wake)`. `wake` is set when new requests arrive or the drain begins, so a lane
that waits never keeps a newly arrived lane from going, and a drain never sleeps out a window.

    Clock (protocol)
    ├── SystemClock      time.monotonic; a real wait on the event
    ├── ManualClock      virtual time, moved by each wait at once: tests cross minutes in microseconds
    ├── FunctionClock    `now` and `sleep` functions (the conformance suite's target gives those)
    └── SimulatorTime    (forwarder.virtual_time) virtual time that also moves a simulator's clock
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol


class Clock(Protocol):
    """What a Forwarder asks of time."""

    def now(self) -> float:
        """Seconds on a clock that never goes back (its zero means nothing)."""
        ...

    def wait(self, seconds: float, wake: threading.Event) -> None:
        """Let `seconds` pass, or fewer if `wake` is set meanwhile (or already)."""
        ...


class SystemClock:
    """Real time: the monotonic clock, and a wait that the event cuts short."""

    def now(self) -> float:
        return time.monotonic()

    def wait(self, seconds: float, wake: threading.Event) -> None:
        if seconds > 0:
            wake.wait(seconds)


class ManualClock:
    """Virtual time: `now` moves only when a wait (or `advance`) moves it, so nothing waits for real."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self.waited = 0.0

    def now(self) -> float:
        return self._now

    def wait(self, seconds: float, wake: threading.Event) -> None:
        if seconds > 0 and not wake.is_set():
            self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self._now += seconds
        self.waited += seconds


class FunctionClock:
    """A clock made of a `now` and a `sleep` function; a wait already woken is not slept."""

    def __init__(self, now: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self._now, self._sleep = now, sleep

    def now(self) -> float:
        return self._now()

    def wait(self, seconds: float, wake: threading.Event) -> None:
        if seconds > 0 and not wake.is_set():
            self._sleep(seconds)
