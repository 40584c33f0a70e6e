"""What to do with each answer Heap gives, and how long to wait before trying again. Pure.

- 2xx: delivered.
- 429: wait `Retry-After`, then try again; does not use up the attempt budget (it is Heap asking
  us to slow down, not a failure), though a separate, generous cap stops an endless loop.
- 5xx, 408, timeouts and dropped connections: retry with capped exponential backoff and jitter,
  up to `max_attempts` attempts in all; a `Retry-After` on such an answer (RFC 9110 allows it on
  503, and a throttle Heap answers that way would carry it) lengthens the wait to what it asks.
- Heap's throttle answer is undocumented, so a `Retry-After` is never taken past
  `max_throttle_wait_s` (60 s, the longest documented window: no wait beyond it can be needed). A
  server counting in milliseconds ("30000") would otherwise stall a forwarder for eight hours.
- any other 4xx: not retried; the failure carries the server's own message.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass

from heap_facts.limits import LONGEST_WINDOW_S


class Verdict(enum.Enum):
    DELIVERED = "delivered"
    THROTTLED = "throttled"
    RETRYABLE = "retryable"
    REFUSED = "refused"


def verdict_for_status(status: int) -> Verdict:
    """How an HTTP status is treated."""
    if 200 <= status < 300:
        return Verdict.DELIVERED
    if status == 429:
        return Verdict.THROTTLED
    if status >= 500 or status == 408:
        return Verdict.RETRYABLE
    return Verdict.REFUSED


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds on retrying. The defaults give 6 attempts over about 15 s of backoff."""

    max_attempts: int = 6
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    max_throttle_waits: int = 100
    max_throttle_wait_s: float = LONGEST_WINDOW_S  # D-btrack's minute: the longest documented rate-limit window

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if self.base_delay_s < 0 or self.max_delay_s < self.base_delay_s:
            raise ValueError("retry delays must satisfy 0 <= base_delay_s <= max_delay_s")

    def backoff_s(self, failures: int, rng: random.Random) -> float:
        """The wait after the `failures`-th failed attempt: exponential, capped, with "equal jitter"
        (half fixed, half random) so that many forwarders retrying at once spread out."""
        capped = min(self.max_delay_s, self.base_delay_s * 2.0 ** max(0, failures - 1))
        return capped / 2 + rng.uniform(0, capped / 2)

    def throttle_wait_s(self, retry_after: str | None, throttles: int, rng: random.Random) -> float:
        """The wait after a 429: its Retry-After, else the backoff."""
        seconds = parse_retry_after(retry_after)
        if seconds is None:
            return self.backoff_s(throttles, rng)
        return min(seconds, self.max_throttle_wait_s)

    def retry_wait_s(self, retry_after: str | None, failures: int, rng: random.Random) -> float:
        """The wait after a retryable failure: the backoff, or the answer's Retry-After (capped) if longer."""
        backoff = self.backoff_s(failures, rng)
        seconds = parse_retry_after(retry_after)
        return backoff if seconds is None else max(backoff, min(seconds, self.max_throttle_wait_s))


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds; None when absent or not a number. (An HTTP-date would need the
    server's clock, which a forwarder cannot know, so it falls back to the backoff.)"""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 and seconds == seconds else None
