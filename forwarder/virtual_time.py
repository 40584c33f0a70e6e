"""Virtual time shared with a running heap-sim simulator, for tests and benchmarks.

Sleeping advances the simulator's clock over HTTP (`POST /_mock/clock {"advance": s}`) and a local
clock by the same amount, so both agree and minutes of rate-limit windows pass in milliseconds.
It is a `forwarder.clock.Clock`: a wait moves both clocks at once, unless it was woken already.
"""

from __future__ import annotations

import threading

import requests


class SimulatorTime:
    """The Clock of a Forwarder talking to the simulator at `url` in virtual time."""

    def __init__(self, url: str, session: requests.Session | None = None, start: float = 0.0) -> None:
        self.url = url.rstrip("/")
        self.session = session or requests.Session()
        self._now = start
        self.slept = 0.0

    def now(self) -> float:
        return self._now

    def wait(self, seconds: float, wake: threading.Event) -> None:
        if not wake.is_set():
            self.sleep(seconds)

    def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        response = self.session.post(f"{self.url}/_mock/clock", json={"advance": seconds}, timeout=10)
        response.raise_for_status()
        self._now += seconds
        self.slept += seconds
