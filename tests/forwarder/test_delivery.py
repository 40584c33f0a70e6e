"""Delivery against the real simulator over HTTP, in virtual time: no test sleeps for real.

The `heap_mock` fixture (heap-sim's pytest plugin) is a simulator reset for each test, its clock
still at 2026-01-01T00:00:00Z. `SimulatorTime` moves that clock and the forwarder's together.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from typing import Any

import pytest
import requests

from forwarder import Forwarder, HeapRequest, Settings, map_batch
from forwarder.clock import ManualClock
from forwarder.virtual_time import SimulatorTime
from heap_mock.testing import MockClient
from tests.forwarder.conftest import custom, make_batch, sample
from tests.forwarder.test_mapping import commerce_purchase

SETTINGS = Settings(app_id="11", external_id="customer_id", forward_user_attributes=True)


def forwarder_for(heap_mock: MockClient, settings: Settings = SETTINGS, **options: Any) -> tuple[Forwarder, SimulatorTime]:
    time = SimulatorTime(heap_mock.url)
    options.setdefault("rng", random.Random(0))
    return Forwarder(settings, heap_mock.url, clock=time, **options), time


def statuses(heap_mock: MockClient) -> Counter[int]:
    return Counter(request["status"] for request in heap_mock.requests())


def expected_keys(*batches: dict[str, Any], settings: Settings = SETTINGS) -> list[str]:
    keys = []
    for batch in batches:
        for request in map_batch(batch, settings).requests:
            events = request.body.get("events", [request.body] if request.kind == "track" else [])
            keys += [event["idempotency_key"] for event in events]
    return keys


def stored_keys(heap_mock: MockClient) -> list[str]:
    return [event["idempotency_key"] for event in heap_mock.events()]


def test_samples_are_delivered_and_stored_as_mapped(heap_mock: MockClient) -> None:
    batches = [sample(name) for name in ("01_docs_quickstart_custom_event.json", "04_docs_jsonref_master_sample.json", "python_sdk_0_16_1_batch.json")]
    forwarder, _ = forwarder_for(heap_mock)
    results = forwarder.forward_many(batches)
    assert all(result.ok for result in results)
    assert sorted(stored_keys(heap_mock)) == sorted(expected_keys(*batches))
    assert [result.heap_events_delivered for result in results] == [1, 2, 11]
    assert heap_mock.users()[0]["properties"]["$firstname"] == "John"


def test_a_burst_crossing_track_and_bulk_windows_is_delivered_without_a_429(heap_mock: MockClient) -> None:
    # 100 single track events (30 per 30 s) and 3,000 bulk events (1000 per 60 s) for one identity.
    batch = make_batch(*[custom(f"E{n}") for n in range(100)], commerce_purchase(999), commerce_purchase(999), commerce_purchase(999))
    forwarder, time = forwarder_for(heap_mock)
    result = forwarder.forward(batch)
    assert result.ok and result.heap_events_delivered == 3100
    assert statuses(heap_mock) == {200: 103}
    assert sorted(stored_keys(heap_mock)) == sorted(expected_keys(batch))
    # The documented limits allow no less than 2 full bulk windows (120 s); pacing should cost little more.
    assert 120.0 <= time.now() < 121.0
    assert forwarder.stats.throttled == 0


def test_identities_are_paced_separately_and_in_parallel(heap_mock: MockClient) -> None:
    batches = [make_batch(*[custom(f"E{n}") for n in range(60)], user_identities={"customer_id": who}, source_request_id=who) for who in ("ann", "bob")]
    forwarder, time = forwarder_for(heap_mock)
    assert all(result.ok for result in forwarder.forward_many(batches))
    assert statuses(heap_mock) == {200: 120}
    assert 30.0 <= time.now() < 31.0  # both identities' second 30 go after one window, not one after another
    assert [event["event"] for event in heap_mock.events(identity="ann", order="asc")] == [f"E{n}" for n in range(60)]


def test_the_app_wide_bulk_limit_is_respected(heap_mock: MockClient) -> None:
    batches = [make_batch(commerce_purchase(999), user_identities={"customer_id": f"u{n}"}, source_request_id=f"r{n}") for n in range(16)]
    forwarder, time = forwarder_for(heap_mock)
    assert all(result.ok for result in forwarder.forward_many(batches))
    assert statuses(heap_mock) == {200: 16}
    assert 60.0 <= time.now() < 61.0  # 16,000 events: the 16th thousand waits for the app's window


def test_user_properties_are_paced(heap_mock: MockClient) -> None:
    batches = [{"mpid": 7, "source_request_id": f"r{n}", "user_attributes": {"n": n}} for n in range(31)]
    forwarder, time = forwarder_for(heap_mock, Settings(app_id="11", forward_user_attributes=True))
    assert all(result.ok for result in forwarder.forward_many(batches))
    assert statuses(heap_mock) == {200: 31}
    assert time.now() >= 30.0
    assert heap_mock.users()[0]["properties"] == {"n": 30}


def test_503s_429s_and_dropped_connections_still_deliver_every_event_exactly_once(heap_mock: MockClient) -> None:
    heap_mock.add_fault(path="/api/track", status=503, times=2)
    heap_mock.add_fault(path="/api/track", status=429, retry_after=2, times=2)
    heap_mock.add_fault(path="/api/track", drop_connection=True, times=2)
    heap_mock.add_fault(path="/api/add_user_properties", status=502, times=1)
    batch = sample("python_sdk_0_16_1_batch.json")
    forwarder, _ = forwarder_for(heap_mock)
    result = forwarder.forward(batch)
    assert result.ok, result.failed
    keys = stored_keys(heap_mock)
    assert sorted(keys) == sorted(expected_keys(batch)) and len(keys) == len(set(keys))
    seen = statuses(heap_mock)
    assert (seen[503], seen[429], seen[0], seen[502]) == (2, 2, 2, 1)
    assert forwarder.stats.throttled == 2 and forwarder.stats.retries == 5


def test_a_lost_answer_is_retried_and_heap_keeps_one_copy(heap_mock: MockClient) -> None:
    heap_mock.add_fault(path="/api/track", status=500, after_processing=True, times=3)
    batch = make_batch(custom("A"), commerce_purchase(2), custom("B"))
    forwarder, _ = forwarder_for(heap_mock)
    assert forwarder.forward(batch).ok
    assert sorted(stored_keys(heap_mock)) == sorted(expected_keys(batch))  # stored once, though sent twice


def test_waiting_out_429s_does_not_use_up_the_attempt_budget(heap_mock: MockClient) -> None:
    heap_mock.add_fault(path="/api/track", status=429, retry_after=5, times=3)
    forwarder, time = forwarder_for(heap_mock, max_attempts=1)
    assert forwarder.forward(make_batch(custom())).ok
    assert time.now() >= 15.0  # three Retry-After waits of 5 s
    assert statuses(heap_mock) == {429: 3, 200: 1}


def test_retries_stop_after_max_attempts_and_the_failure_is_reported(heap_mock: MockClient) -> None:
    heap_mock.add_fault(path="/api/track", status=503, body="upstream down", times=100)
    forwarder, time = forwarder_for(heap_mock)
    result = forwarder.forward(make_batch(custom("A")))
    assert not result.ok and result.heap_events_delivered == 0
    (failure,) = result.failed
    assert (failure.status, failure.attempts) == (503, 6)
    assert "HTTP 503" in failure.reason
    assert statuses(heap_mock) == {503: 6}
    assert 0.5 * (0.5 + 1 + 2 + 4 + 8) <= time.now() <= 0.5 + 1 + 2 + 4 + 8  # capped exponential backoff with jitter


def test_a_400_is_reported_with_the_simulators_message_and_not_retried(heap_mock: MockClient) -> None:
    forwarder, _ = forwarder_for(heap_mock)
    broken = HeapRequest("/api/track", {"app_id": "11", "event": "No one"})
    fine = map_batch(make_batch(custom("Fine")), SETTINGS).requests[0]
    outcomes = forwarder.send([broken, fine])
    failure = outcomes[0]
    assert not isinstance(failure, HeapRequest)
    assert failure.status == 400 and failure.attempts == 1
    assert "postBody.events[0]" in failure.reason and "identity" in failure.reason
    assert outcomes[1] == fine
    assert statuses(heap_mock) == {400: 1, 200: 1}


def test_an_injected_400_fails_only_its_own_request(heap_mock: MockClient) -> None:
    heap_mock.add_fault(path="/api/track", status=400, body="postBody.events[0].event should be string", times=1)
    forwarder, _ = forwarder_for(heap_mock)
    result = forwarder.forward(make_batch(custom("A"), custom("B")))
    assert [failure.request.body["event"] for failure in result.failed] == ["A"]
    assert "postBody.events[0].event should be string" in result.failed[0].reason
    assert [event["event"] for event in heap_mock.events()] == ["B"]


def test_a_rejected_batch_does_not_stop_the_others(heap_mock: MockClient) -> None:
    forwarder, _ = forwarder_for(heap_mock)
    results = forwarder.forward_many([make_batch(custom("A"), source_request_id="1"), {"events": "nope"}, make_batch(custom("C"), source_request_id="3")])
    assert [result.rejected for result in results] == [None, "$.events: must be a list of events, got a string", None]
    assert [result.ok for result in results] == [True, False, True]
    assert sorted(event["event"] for event in heap_mock.events()) == ["A", "C"]


def test_forwarding_the_same_batch_twice_stores_it_once(heap_mock: MockClient) -> None:
    batch = make_batch(custom("A"), commerce_purchase(3))
    forwarder, _ = forwarder_for(heap_mock)
    forwarder.forward(batch)
    forwarder.forward(batch)
    assert len(heap_mock.events()) == 5


# --- errors that need no server ----------------------------------------------------------------
class FlakySession(requests.Session):
    """Raises the given errors on the first posts, then answers 200."""

    def __init__(self, *errors: Exception) -> None:
        super().__init__()
        self.errors = list(errors)
        self.posts = 0

    def post(self, url: Any, data: Any = None, json: Any = None, **kwargs: Any) -> requests.Response:
        self.posts += 1
        if self.errors:
            raise self.errors.pop(0)
        response = requests.Response()
        response.status_code = 200
        return response


class CountingClock(ManualClock):
    def __init__(self) -> None:
        super().__init__()
        self.waits = 0

    def wait(self, seconds: float, wake: threading.Event) -> None:
        self.waits += 1
        super().wait(seconds, wake)


def test_timeouts_and_broken_connections_are_retried() -> None:
    session = FlakySession(requests.ReadTimeout("read timed out"), requests.ConnectionError("reset"), requests.exceptions.ChunkedEncodingError("cut"))
    clock = CountingClock()
    forwarder = Forwarder(SETTINGS, "http://heap.invalid", session=session, clock=clock, rng=random.Random(1))
    assert forwarder.forward(make_batch(custom())).ok
    assert session.posts == 4 and clock.waits == 3


def test_a_request_error_that_is_not_transient_is_not_retried() -> None:
    session = FlakySession(requests.exceptions.InvalidURL("bad url"))
    forwarder = Forwarder(SETTINGS, "http://heap.invalid", session=session, clock=ManualClock())
    result = forwarder.forward(make_batch(custom()))
    assert session.posts == 1 and result.failed[0].status is None and "InvalidURL" in result.failed[0].reason


@pytest.mark.parametrize("max_attempts", [1, 5])
def test_connection_errors_use_the_attempt_budget(max_attempts: int) -> None:
    session = FlakySession(*[requests.ConnectionError("refused")] * 10)
    forwarder = Forwarder(SETTINGS, "http://heap.invalid", session=session, clock=ManualClock(), max_attempts=max_attempts)
    result = forwarder.forward(make_batch(custom()))
    assert session.posts == max_attempts and result.failed[0].attempts == max_attempts


# --- the scheduler as the front runs it: serve, drain, abandon ---------------------------------
class AnsweringSession(FlakySession):
    """Answers 200 to every post, noting the timeout each was given."""

    def __init__(self) -> None:
        super().__init__()
        self.timeouts: list[Any] = []

    def post(self, url: Any, data: Any = None, json: Any = None, **kwargs: Any) -> requests.Response:
        self.timeouts.append(kwargs.get("timeout"))
        return super().post(url, data, json, **kwargs)


def one_identity(count: int) -> list[HeapRequest]:
    return [HeapRequest("/api/track", {"app_id": "11", "identity": "a", "event": f"E{n}"}) for n in range(count)]


def test_the_drain_ends_at_once_when_the_next_wait_would_outlast_it() -> None:
    session, clock = AnsweringSession(), ManualClock()
    forwarder = Forwarder(SETTINGS, "http://heap.invalid", session=session, clock=clock)
    forwarder.submit(one_identity(31))
    forwarder.drain(2.0)
    forwarder.serve()  # returns: the 31st would wait 30 s for the identity's window
    assert session.posts == 30 and clock.now() == 0.0
    assert [request.body["event"] for request in forwarder.abandon()] == ["E30"]


def test_an_attempt_during_the_drain_is_given_at_most_the_time_left() -> None:
    session = AnsweringSession()
    forwarder = Forwarder(SETTINGS, "http://heap.invalid", session=session, clock=ManualClock())
    forwarder.submit(one_identity(1))
    forwarder.drain(2.5)
    forwarder.serve()
    assert session.timeouts == [(2.5, 2.5)]  # not the usual (3.05, 10.0)


def test_serve_waits_for_requests_and_takes_those_submitted_from_other_threads() -> None:
    session = AnsweringSession()
    forwarder = Forwarder(SETTINGS, "http://heap.invalid", session=session, clock=ManualClock())
    thread = threading.Thread(target=forwarder.serve)
    thread.start()
    ticket = forwarder.submit(one_identity(3))
    forwarder.drain(10.0)
    thread.join(10)
    assert not thread.is_alive() and ticket.done and session.posts == 3
