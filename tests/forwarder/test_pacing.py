"""The pacer's sliding windows and the retry policy, without any I/O."""

from __future__ import annotations

import random

import pytest

from forwarder import HeapRequest
from forwarder.pacing import SAFETY_MARGIN_S, Demand, Limit, Pacer, demands_of
from forwarder.retry import RetryPolicy, Verdict, parse_retry_after, verdict_for_status


def track(identity: str = "a") -> HeapRequest:
    return HeapRequest("/api/track", {"app_id": "11", "identity": identity, "event": "E"})


def bulk(identities: dict[str, int]) -> HeapRequest:
    events = [{"identity": identity, "event": "E"} for identity, count in identities.items() for _ in range(count)]
    return HeapRequest("/api/track", {"app_id": "11", "events": events})


def test_demands_follow_the_documented_limit_families() -> None:
    assert demands_of(track("a")) == [Demand("track", ("11", "a"), 1)]
    assert demands_of(HeapRequest("/api/add_user_properties", {"app_id": "11", "identity": "a", "properties": {}})) == [Demand("user_properties", ("11", "a"), 1)]
    assert demands_of(bulk({"a": 3, "b": 2})) == [Demand("bulk_identity", ("11", "a"), 3), Demand("bulk_identity", ("11", "b"), 2), Demand("bulk_app", ("11",), 5)]


def test_thirty_track_requests_fit_then_the_31st_waits_for_the_first_to_leave_the_window() -> None:
    pacer = Pacer()
    demands = demands_of(track())
    for second in range(30):
        assert pacer.ready_at(demands, float(second)) == second
        pacer.admit(demands, float(second))
    assert pacer.ready_at(demands, 29.0) == pytest.approx(30.0 + SAFETY_MARGIN_S)
    assert pacer.ready_at(demands, 30.5) == 30.5  # the first has left: the window is sliding, not fixed


def test_identities_have_separate_windows_but_share_the_app_window() -> None:
    pacer = Pacer({"bulk_identity": Limit(10, 60.0), "bulk_app": Limit(15, 60.0), "track": Limit(1, 1.0), "user_properties": Limit(1, 1.0)})
    pacer.admit(demands_of(bulk({"a": 10})), 0.0)
    assert pacer.ready_at(demands_of(bulk({"a": 1})), 1.0) == pytest.approx(60.0 + SAFETY_MARGIN_S)
    assert pacer.ready_at(demands_of(bulk({"b": 5})), 1.0) == 1.0
    assert pacer.ready_at(demands_of(bulk({"b": 6})), 1.0) == pytest.approx(60.0 + SAFETY_MARGIN_S)  # the app's 15


def test_a_bulk_request_waits_only_until_enough_events_have_left() -> None:
    pacer = Pacer()
    for at, count in [(0.0, 400), (10.0, 400), (20.0, 200)]:
        pacer.admit(demands_of(bulk({"a": count})), at)
    assert pacer.ready_at(demands_of(bulk({"a": 300})), 25.0) == pytest.approx(60.0 + SAFETY_MARGIN_S)
    assert pacer.ready_at(demands_of(bulk({"a": 500})), 25.0) == pytest.approx(70.0 + SAFETY_MARGIN_S)


def test_quiet_identities_are_forgotten() -> None:
    pacer = Pacer()
    for n in range(10_000):
        pacer.admit(demands_of(track(f"user-{n}")), 0.0 if n < 5000 else 100.0)
    assert len(pacer._windows) < 10_000


@pytest.mark.parametrize(
    ("status", "verdict"),
    [(200, Verdict.DELIVERED), (204, Verdict.DELIVERED), (429, Verdict.THROTTLED), (500, Verdict.RETRYABLE), (503, Verdict.RETRYABLE),
     (408, Verdict.RETRYABLE), (400, Verdict.REFUSED), (404, Verdict.REFUSED), (413, Verdict.REFUSED)],
)
def test_verdicts(status: int, verdict: Verdict) -> None:
    assert verdict_for_status(status) is verdict


def test_backoff_grows_exponentially_is_capped_and_jittered() -> None:
    policy, rng = RetryPolicy(base_delay_s=1.0, max_delay_s=8.0), random.Random(3)
    waits = [policy.backoff_s(failures, rng) for failures in range(1, 8)]
    for failures, wait in enumerate(waits, 1):
        capped = min(8.0, 2.0 ** (failures - 1))
        assert capped / 2 <= wait <= capped
    assert len({round(wait, 6) for wait in waits}) == len(waits)


@pytest.mark.parametrize(("header", "seconds"), [("2", 2.0), (" 10 ", 10.0), ("0", 0.0), ("-1", None), ("soon", None), (None, None), ("Wed, 21 Oct 2026 07:28:00 GMT", None)])
def test_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


def test_a_throttle_without_retry_after_backs_off() -> None:
    policy = RetryPolicy(base_delay_s=2.0)
    assert 1.0 <= policy.throttle_wait_s(None, 1, random.Random(0)) <= 2.0
    assert policy.throttle_wait_s("7", 1, random.Random(0)) == 7.0


def test_a_retry_after_is_capped_at_the_longest_documented_window() -> None:
    policy = RetryPolicy()
    assert policy.throttle_wait_s("30000", 1, random.Random(0)) == 60.0  # milliseconds, read as seconds
    assert policy.throttle_wait_s("45", 1, random.Random(0)) == 45.0


def test_a_retryable_answer_waits_for_its_retry_after_when_that_is_longer_than_the_backoff() -> None:
    policy = RetryPolicy(base_delay_s=0.5)
    assert policy.retry_wait_s("20", 1, random.Random(0)) == 20.0
    assert 0.25 <= policy.retry_wait_s(None, 1, random.Random(0)) <= 0.5
    assert 0.25 <= policy.retry_wait_s("0", 1, random.Random(0)) <= 0.5


def test_retry_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
