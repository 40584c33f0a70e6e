"""One clock for the whole simulator.

Every time read in heap_mock goes through a `Clock`, so tests can cross rate-limit windows by
moving time instead of sleeping. `SwitchableClock` is what the running simulator uses: it reads
the wall clock ("real" mode), stands still until told to move ("virtual" mode), or runs at a
multiple of real time ("scaled" mode, for forwarders in other languages that really sleep).
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

# The instants the simulator can report: years 1 to 9999 in UTC, what ISO 8601's four-digit
# years (and Python's datetime) can write. Times from clients and clock controls outside them are
# refused where they arrive, so nothing stored can fail to render later.
from heap_facts.times import EARLIEST, LATEST, epoch_ms_of, iso_utc, parse_iso  # noqa: F401  (parse_iso: re-exported)

MAX_RATE = 1_000_000.0  # a scaled clock this fast crosses a 30-day identify window in under 3 s
MODES = ("real", "virtual", "scaled")


class Clock(Protocol):
    """Anything that can tell the current time as epoch seconds."""

    def now(self) -> float: ...


class SystemClock:
    """The wall clock. Reads `time.time()`, so freezegun can freeze it in in-process tests."""

    def now(self) -> float:
        return time.time()


class VirtualClock:
    """A clock that stands still until it is set or advanced."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def set(self, instant: float) -> None:
        with self._lock:
            self._now = instant

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


class SwitchableClock:
    """The simulator's clock: real, virtual (still) or scaled, switchable at run time over HTTP.

    In scaled mode virtual time runs `rate` times faster than the wall clock from an anchor, so a
    program that sleeps for real crosses a 60 s window in 60 / rate seconds.
    """

    def __init__(self, source: Clock | None = None) -> None:
        self._source: Clock = source or SystemClock()
        self._lock = threading.Lock()
        self._mode = "real"
        self._virtual_now = 0.0
        self._rate = 1.0
        self._anchor_real = 0.0

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def rate(self) -> float:
        """How many clock seconds pass per real second (1 unless scaled; 0 when virtual)."""
        return {"real": 1.0, "virtual": 0.0}.get(self._mode, self._rate)

    def now(self) -> float:
        mode = self._mode
        if mode == "real":
            return self._source.now()
        if mode == "virtual":
            return self._virtual_now
        return min(self._virtual_now + (self._source.now() - self._anchor_real) * self._rate, LATEST)

    # Writers set the instant before the mode: a reader that sees the new mode must see its instant.

    def set(self, instant: float) -> None:
        """Switch to virtual time at `instant` (epoch seconds)."""
        with self._lock:
            self._virtual_now = instant
            self._mode = "virtual"

    def advance(self, seconds: float) -> None:
        """Switch to virtual time (frozen at the current instant) and move it forward."""
        with self._lock:
            self._virtual_now = self.now() + seconds
            self._mode = "virtual"

    def scale(self, rate: float) -> None:
        """Run time `rate` times faster than the wall clock, starting from the current instant."""
        with self._lock:
            start = self.now()
            self._virtual_now, self._anchor_real = start, self._source.now()
            self._mode, self._rate = "scaled", rate

    def use_real_time(self) -> None:
        with self._lock:
            self._mode = "real"


def to_iso(instant: float) -> str:
    """Render epoch seconds as ISO 8601 UTC with milliseconds and a `Z`, as the simulator reports time."""
    return iso_utc(epoch_ms_of(instant))
