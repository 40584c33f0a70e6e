"""The forwarder against each shape Heap's undocumented answers might take (issue 13, item 5).

The simulator is configured to throttle sooner than the documented limits the forwarder paces
for (2 track requests per 30 s), so the forwarder meets real 429s, shaped by `throttle_*`; and its
success bodies are shaped by `success_body`. In virtual time: no test waits for real.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from forwarder import Forwarder, Settings
from forwarder.virtual_time import SimulatorTime
from heap_mock.server import HeapMockServer
from heap_mock.testing import MockClient
from tests.forwarder.conftest import custom, make_batch

SETTINGS = Settings(app_id="11", external_id="customer_id")
TIGHT = {"track": {"limit": 2, "window_s": 30}}


@pytest.fixture
def simulator(request: pytest.FixtureRequest) -> Iterator[MockClient]:
    config = {"log_requests": False, "limits": TIGHT, **request.param}
    with HeapMockServer(config=config) as server:
        client = MockClient(server.url)
        client.set_clock("2026-01-01T00:00:00Z")
        yield client


def deliver(client: MockClient, events: int = 5) -> tuple[Forwarder, SimulatorTime, Any]:
    time = SimulatorTime(client.url)
    forwarder = Forwarder(SETTINGS, client.url, clock=time, rng=random.Random(0))
    result = forwarder.forward(make_batch(*[custom(f"E{n}") for n in range(events)]))
    return forwarder, time, result


def third_request(client: MockClient) -> Any:
    """The simulator's own throttle answer, met directly: the third track request in a window of two."""
    responses = [client.post("/api/track", {"app_id": "11", "identity": "x", "event": "E"}) for _ in range(3)]
    assert [r.status_code for r in responses[:2]] == [200, 200]
    client.reset()
    return responses[2]


def assert_each_event_stored_once(client: MockClient, events: int = 5) -> None:
    names = Counter(event["event"] for event in client.events())
    assert names == Counter({f"E{n}": 1 for n in range(events)})


@pytest.mark.parametrize("simulator", [{"throttle_retry_after": "none"}], indirect=True)
def test_a_429_without_retry_after_is_waited_out_by_backoff(simulator: MockClient) -> None:
    third = third_request(simulator)
    assert third.status_code == 429 and "Retry-After" not in third.headers
    forwarder, _, result = deliver(simulator)
    assert result.ok and forwarder.stats.throttled > 0
    assert_each_event_stored_once(simulator)


@pytest.mark.parametrize("simulator", [{"throttle_body": "json"}], indirect=True)
def test_a_429_with_a_json_body_is_honoured(simulator: MockClient) -> None:
    third = third_request(simulator)
    assert third.headers["Content-Type"] == "application/json" and third.json()["rule_id"] == "limit.track"
    assert third.headers["Retry-After"] == str(third.json()["retry_after"])
    forwarder, time, result = deliver(simulator)
    assert result.ok and forwarder.stats.throttled >= 1
    assert time.now() >= 60.0  # five requests at two per 30 s: the Retry-After waits were taken
    assert_each_event_stored_once(simulator)


@pytest.mark.parametrize("simulator", [{"throttle_retry_after": "milliseconds"}], indirect=True)
def test_a_retry_after_in_milliseconds_does_not_stall_the_forwarder_for_hours(simulator: MockClient) -> None:
    assert int(third_request(simulator).headers["Retry-After"]) >= 1000
    forwarder, time, result = deliver(simulator)
    assert result.ok and forwarder.stats.throttled >= 1
    # Read as seconds, "30000" would be over 8 hours; no wait past the longest documented window (60 s) is ever needed.
    assert time.now() <= 3 * 60.0
    assert_each_event_stored_once(simulator)


@pytest.mark.parametrize("simulator", [{"throttle_status": 503, "throttle_body": "empty"}], indirect=True)
def test_a_throttle_answered_as_503_is_retried_without_losing_events(simulator: MockClient) -> None:
    third = third_request(simulator)
    assert (third.status_code, third.content) == (503, b"") and "Retry-After" in third.headers
    forwarder, _, result = deliver(simulator, events=3)
    assert result.ok and forwarder.stats.retries >= 1
    assert_each_event_stored_once(simulator, events=3)


@pytest.mark.parametrize("simulator", [{"success_body": "OK", "limits": {}}], indirect=True)
def test_a_success_body_of_ok_counts_as_delivered(simulator: MockClient) -> None:
    answer = simulator.post("/api/track", {"app_id": "11", "identity": "x", "event": "E"})
    assert (answer.status_code, answer.text, answer.headers["Content-Type"]) == (200, "OK", "text/plain; charset=utf-8")
    simulator.reset()
    batch = make_batch(custom("E0"), user_attributes={"plan": "gold"})
    forwarder = Forwarder(Settings(app_id="11", external_id="customer_id", forward_user_attributes=True), simulator.url, rng=random.Random(0))
    result = forwarder.forward(batch)
    assert result.ok and result.requests_delivered == 2 and forwarder.stats.retries == 0
    assert simulator.users()[0]["properties"] == {"plan": "gold"}
