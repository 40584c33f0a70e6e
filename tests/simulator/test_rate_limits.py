"""The documented rate limits over real HTTP, crossing windows by moving the virtual clock."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from heap_mock import HeapMockServer
from heap_mock.testing import MockClient

APP = "11"


def track(client: MockClient, identity: str = "alice", app_id: str = APP) -> requests.Response:
    return client.post("/api/track", {"app_id": app_id, "identity": identity, "event": "E"})


def bulk(client: MockClient, count: int, identity: str = "alice", app_id: str = APP) -> requests.Response:
    events = [{"identity": identity, "event": "E"} for _ in range(count)]
    return client.post("/api/track", {"app_id": app_id, "events": events})


def test_track_admits_30_per_30_seconds_per_identity(heap_mock: MockClient) -> None:
    assert [track(heap_mock).status_code for _ in range(30)] == [200] * 30
    refused = track(heap_mock)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "30"
    assert "limit.track" in refused.text
    assert track(heap_mock, identity="bob").status_code == 200, "another identity has its own budget"
    assert track(heap_mock, app_id="12").status_code == 200, "another app has its own budget"
    heap_mock.advance(30)
    assert track(heap_mock).status_code == 200


def test_windows_slide_rather_than_reset(heap_mock: MockClient) -> None:
    for _ in range(20):
        track(heap_mock)
    heap_mock.advance(20)
    for _ in range(10):
        assert track(heap_mock).status_code == 200
    refused = track(heap_mock)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "10", "the first 20 leave the window 30 s after they came"
    heap_mock.advance(9.5)
    assert track(heap_mock).status_code == 429
    heap_mock.advance(0.5)
    assert [track(heap_mock).status_code for _ in range(21)] == [200] * 20 + [429]


def test_retry_after_is_rounded_up_to_whole_seconds(heap_mock: MockClient) -> None:
    for _ in range(30):
        track(heap_mock)
    heap_mock.advance(12.3)
    assert track(heap_mock).headers["Retry-After"] == "18"


def test_a_throttled_request_stores_nothing_and_uses_no_budget(heap_mock: MockClient) -> None:
    for _ in range(30):
        track(heap_mock)
    for _ in range(50):
        assert track(heap_mock).status_code == 429
    assert len(heap_mock.events()) == 30
    heap_mock.advance(30)
    assert [track(heap_mock).status_code for _ in range(31)] == [200] * 30 + [429]
    throttled = heap_mock.requests(status=429)
    assert {entry["rule_id"] for entry in throttled} == {"limit.track"}
    assert "30 requests per 30 s per identity per app_id" in throttled[0]["limit"]


def test_bulk_admits_1000_events_per_minute_per_identity(heap_mock: MockClient) -> None:
    assert bulk(heap_mock, 1000).status_code == 200
    refused = bulk(heap_mock, 1)
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "60")
    assert "limit.bulk_identity" in refused.text
    assert bulk(heap_mock, 1000, identity="bob").status_code == 200
    heap_mock.advance(59)
    assert bulk(heap_mock, 1).status_code == 429
    heap_mock.advance(1)
    assert bulk(heap_mock, 1000).status_code == 200


def test_bulk_admits_15000_events_per_minute_per_app(heap_mock: MockClient) -> None:
    for index in range(15):
        assert bulk(heap_mock, 1000, identity=f"user-{index}").status_code == 200
    refused = bulk(heap_mock, 1, identity="user-new")
    assert refused.status_code == 429
    assert "limit.bulk_app" in refused.text
    assert bulk(heap_mock, 1, identity="user-new", app_id="12").status_code == 200
    heap_mock.advance(60)
    assert bulk(heap_mock, 1000, identity="user-new").status_code == 200
    assert len(heap_mock.events(app_id=APP)) == 16000


def test_a_bulk_request_over_one_identitys_budget_is_refused_whole(heap_mock: MockClient) -> None:
    assert bulk(heap_mock, 990).status_code == 200
    mixed = [{"identity": "alice", "event": "E"}] * 20 + [{"identity": "bob", "event": "E"}] * 5
    assert heap_mock.post("/api/track", {"app_id": APP, "events": mixed}).status_code == 429
    assert heap_mock.events(identity="bob") == []
    assert len(heap_mock.events()) == 990


def test_single_and_bulk_track_have_separate_budgets(heap_mock: MockClient) -> None:
    for _ in range(30):
        track(heap_mock)
    assert bulk(heap_mock, 1000).status_code == 200


def test_user_properties_admit_30_per_30_seconds_per_identity(heap_mock: MockClient) -> None:
    def update(identity: str = "alice") -> int:
        return heap_mock.post("/api/add_user_properties", {"app_id": APP, "identity": identity, "properties": {"n": 1}}).status_code

    assert [update() for _ in range(31)] == [200] * 30 + [429]
    assert update("bob") == 200
    heap_mock.advance(30)
    assert update() == 200


def test_limits_can_be_configured_and_switched_off() -> None:
    with HeapMockServer(config={"limits": {"track": {"limit": 2, "window_s": 5}}, "log_requests": False}) as server:
        client = MockClient(server.url)
        client.set_clock("2026-01-01T00:00:00Z")
        assert [track(client).status_code for _ in range(3)] == [200, 200, 429]
        assert track(client).headers["Retry-After"] == "5"
    with HeapMockServer(config={"limits_enabled": False, "log_requests": False}) as server:
        client = MockClient(server.url)
        assert {track(client).status_code for _ in range(100)} == {200}


def test_100_simultaneous_requests_for_one_identity_admit_exactly_30(heap_mock: MockClient) -> None:
    def send(_: int) -> int:
        return requests.post(f"{heap_mock.url}/api/track", json={"app_id": APP, "identity": "alice", "event": "E"}).status_code

    with ThreadPoolExecutor(max_workers=32) as pool:
        statuses = list(pool.map(send, range(100)))
    assert (statuses.count(200), statuses.count(429)) == (30, 70)
    assert len(heap_mock.events()) == 30


def test_concurrent_bulk_requests_never_exceed_the_app_limit(heap_mock: MockClient) -> None:
    def send(index: int) -> int:
        events = [{"identity": f"u{index}", "event": "E"}] * 1000
        return requests.post(f"{heap_mock.url}/api/track", json={"app_id": APP, "events": events}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(send, range(20)))
    assert statuses.count(200) == 15
    assert len(heap_mock.events()) == 15000


def test_rate_limit_state_is_inspectable(heap_mock: MockClient) -> None:
    for _ in range(3):
        track(heap_mock)
    bulk(heap_mock, 10)
    usage = {(u["limit"], u["identity"]): u for u in heap_mock.limits()["usage"]}
    assert usage[("limit.track", "alice")]["used"] == 3
    assert usage[("limit.track", "alice")]["frees_at"] == "2026-01-01T00:00:30.000Z"
    assert usage[("limit.bulk_identity", "alice")]["used"] == 10
    assert usage[("limit.bulk_app", None)]["used"] == 10


def test_moving_the_clock_back_frees_the_budget_spent_in_what_is_now_the_future(heap_mock: MockClient) -> None:
    # Issue 17: after traffic at a later time, the clock set back to 2025 and 30 tracks: the 31st
    # answered Retry-After in months, on a 30 s window. Budget spent "later" holds none of today's.
    heap_mock.set_clock("2026-06-01T00:00:00Z")
    for _ in range(20):
        track(heap_mock)
    heap_mock.set_clock("2025-06-01T00:00:00Z")
    assert [track(heap_mock).status_code for _ in range(30)] == [200] * 30
    refused = track(heap_mock)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) <= 30
    [usage] = [u for u in heap_mock.limits()["usage"] if u["limit"] == "limit.track"]
    assert (usage["used"], usage["frees_at"]) == (30, "2025-06-01T00:00:30.000Z")
    heap_mock.advance(30)
    assert track(heap_mock).status_code == 200
