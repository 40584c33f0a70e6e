"""The rate limits part of the simulator's state: Heap's documented limits, answered with 429.

Owns the sliding-window logs (`heap_mock.ratelimit`, pure) and turns a refusal into the answer a
client sees: the limit in words and a Retry-After in whole real seconds.

Lock discipline: check-and-admit happens under this part's one lock, so 100 simultaneous requests
for one identity admit exactly the limit; nothing else is locked while it is held.
"""

from __future__ import annotations

import math
import threading
from typing import Any

from heap_mock.clock import to_iso
from heap_mock.config import Config
from heap_mock.errors import Throttled
from heap_mock.ratelimit import Demand, RateLimiter, Refusal

LIMIT_TEXT = {
    "track": "{limit} requests per {window} s per identity per app_id",
    "user_properties": "{limit} requests per {window} s per identity per app_id",
    "bulk_identity": "{limit} events per {window} s per identity per app_id",
    "bulk_app": "{limit} events per {window} s per app_id",
}


def retry_after_seconds(wait_s: float, clock_rate: float) -> int:
    """Retry-After in whole real seconds: under a scaled clock the wait passes `rate` times faster."""
    real_wait = wait_s / clock_rate if clock_rate > 0 else wait_s
    return max(1, math.ceil(real_wait - 1e-9))


def throttled(refusal: Refusal, config: Config, clock_rate: float) -> Throttled:
    """The 429 for a refusal, naming the limit, its numbers and whom it counts."""
    spec = config.limits[refusal.name]
    template = LIMIT_TEXT[refusal.name].format(limit=spec.limit, window=f"{spec.window_s:g}")
    scope = "app_id " + refusal.key[0] + ("" if len(refusal.key) == 1 else f", identity {refusal.key[1]!r}")
    return Throttled(f"limit.{refusal.name}", f"limit.{refusal.name} ({template}) for {scope}", retry_after_seconds(refusal.wait_s, clock_rate))


class Limits:
    """Admits requests under the configured limits, or raises `Throttled` and admits nothing."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.lock = threading.Lock()
        self._limiter = RateLimiter(config.limits)

    def clear(self) -> None:
        with self.lock:
            self._limiter = RateLimiter(self.config.limits)

    def admit(self, demands: list[Demand], now: float, clock_rate: float) -> None:
        if not demands or not self.config.limits_enabled:
            return
        with self.lock:
            refusal = self._limiter.check(demands, now)
            if refusal is None:
                self._limiter.admit(demands, now)
        if refusal is not None:
            raise throttled(refusal, self.config, clock_rate)

    def usage(self, now: float) -> list[dict[str, Any]]:
        with self.lock:
            usage = self._limiter.usage(now)
        return [
            {
                "limit": f"limit.{u.name}",
                "app_id": u.key[0],
                **_subject_json(u.key[1:]),
                "used": u.used,
                "max": u.limit,
                "window_s": u.window_s,
                "frees_at": to_iso(u.frees_at) if u.frees_at is not None else None,
            }
            for u in usage
        ]


def _subject_json(subject: tuple[str, ...]) -> dict[str, str | None]:
    """Who a rate-limit key counts, as the inspection API names it: an identity, a user_id
    (see TrackEvent.subject) or, for an app-wide limit, no one."""
    if len(subject) == 2:
        return {"identity": None, "user_id": subject[1]}
    return {"identity": subject[0] if subject else None, "user_id": None}
