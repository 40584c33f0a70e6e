"""The pure sliding-window limiter and the clock, without HTTP."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from freezegun import freeze_time

from heap_mock.clock import SwitchableClock, SystemClock, parse_iso, to_iso
from heap_mock.config import LimitSpec
from heap_mock.ratelimit import Demand, RateLimiter, WindowLog


def test_no_window_of_the_limit_length_ever_admits_more_than_the_limit() -> None:
    limiter = RateLimiter({"track": LimitSpec(30, 30.0)})
    demand = [Demand("track", ("1", "alice"), 1)]
    admitted: list[float] = []
    now = 0.0
    while now < 300:
        if limiter.check(demand, now) is None:
            limiter.admit(demand, now)
            admitted.append(now)
        now += 0.37
    for start in admitted:
        assert sum(1 for t in admitted if start <= t < start + 30) <= 30
    assert len(admitted) >= 300 // 30 * 30 - 30, "the limiter should not admit far less than allowed either"


def test_wait_is_until_enough_old_cost_leaves_the_window() -> None:
    log = WindowLog()
    log.admit(600, 0.0)
    log.admit(400, 10.0)
    assert log.wait_for(1, 1000, 20.0, 60.0) == 40.0
    assert log.wait_for(500, 1000, 20.0, 60.0) == 40.0
    assert log.wait_for(700, 1000, 20.0, 60.0) == 50.0
    assert log.wait_for(2000, 1000, 20.0, 60.0) == 60.0, "a cost over the limit is answered with a whole window"


def test_quiet_keys_are_swept_so_memory_stays_bounded() -> None:
    limiter = RateLimiter({"track": LimitSpec(30, 30.0)})
    for index in range(10_000):
        limiter.admit([Demand("track", ("1", f"user-{index}"), 1)], float(index))
    assert len(limiter._logs) <= 4096, "keys whose window passed are dropped as new ones arrive"
    assert len(limiter.usage(10_000.0)) == 29


def test_switchable_clock_modes() -> None:
    clock = SwitchableClock()
    clock.set(parse_iso("2026-01-01T00:00:00Z"))
    assert (clock.mode, to_iso(clock.now())) == ("virtual", "2026-01-01T00:00:00.000Z")
    clock.advance(61.5)
    assert to_iso(clock.now()) == "2026-01-01T00:01:01.500Z"
    clock.use_real_time()
    assert abs(clock.now() - time.time()) < 5


def test_system_clock_follows_freezegun() -> None:
    with freeze_time("2031-02-03 04:05:06"):
        assert SystemClock().now() == datetime(2031, 2, 3, 4, 5, 6, tzinfo=UTC).timestamp()
        assert to_iso(SwitchableClock().now()) == "2031-02-03T04:05:06.000Z"


def test_in_process_app_uses_freezegun_time_for_defaults() -> None:
    from heap_mock import create_app

    with freeze_time("2031-02-03 04:05:06"):
        client = create_app({"log_requests": False}).test_client()
        assert client.post("/api/track", json={"app_id": "1", "identity": "a", "event": "E"}).status_code == 200
        assert client.get("/_mock/events").get_json()["events"][0]["timestamp"] == "2031-02-03T04:05:06.000Z"
