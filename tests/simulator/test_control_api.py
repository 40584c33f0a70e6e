"""The /_mock/ control plane, faults, and the answers to bad requests over real HTTP."""

from __future__ import annotations

import pytest
import requests

from heap_mock import HeapMockServer
from heap_mock.testing import MockClient, MockClientError

APP = "11"
EVENT = {"app_id": APP, "identity": "alice", "event": "E"}


def test_clock_is_virtual_and_still_between_calls(heap_mock: MockClient) -> None:
    assert heap_mock.clock() == {"now": "2026-01-01T00:00:00.000Z", "mode": "virtual", "rate": 0.0}
    assert heap_mock.advance(90.5)["now"] == "2026-01-01T00:01:30.500Z"
    assert heap_mock.clock()["now"] == "2026-01-01T00:01:30.500Z"
    assert heap_mock.set_clock("2026-06-01T12:00:00+02:00")["now"] == "2026-06-01T10:00:00.000Z"
    assert heap_mock.real_time()["mode"] == "real"
    assert heap_mock.scale_time(60)["mode"] == "scaled"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, 'clock must have exactly one of "set" (ISO 8601), "advance" (seconds) or "mode"'),
        ({"advance": -1}, "clock.advance must be a number of seconds >= 0, got the number -1"),
        ({"advance": "5"}, "clock.advance must be a number of seconds >= 0, got the text '5'"),
        ({"advance": True}, "clock.advance must be a number of seconds >= 0, got the boolean true"),
        ({"set": "tomorrow"}, "clock.set must be an ISO 8601 date-time from year 1 to 9999, such as 2026-01-01T00:00:00Z, got the text 'tomorrow'"),
        ({"set": 5}, "clock.set must be an ISO 8601 date-time from year 1 to 9999, such as 2026-01-01T00:00:00Z, got the number 5"),
        ({"mode": "fast"}, """clock.mode must be "real", "virtual" or "scaled", got the text 'fast'"""),
        ({"mode": "scaled"}, "clock.rate must be a number > 0 and <= 1000000, got null"),
        ({"set": "2026-01-01T00:00:00Z", "advance": 1}, 'clock must have exactly one of "set"'),
        ({"advance": 1, "speed": 2}, "clock.speed is unknown; known: advance, mode, rate, set"),
        ([1], "body must be an object, got a list"),
    ],
)
def test_bad_clock_commands_are_400_naming_the_field_and_what_came(heap_mock: MockClient, body: object, message: str) -> None:
    response = requests.post(f"{heap_mock.url}/_mock/clock", json=body)
    assert (response.status_code, response.json()["rule_id"]) == (400, "control.invalid")
    assert response.json()["message"].startswith(message)
    assert heap_mock.clock()["now"] == "2026-01-01T00:00:00.000Z"


def test_event_filters_and_paging(heap_mock: MockClient) -> None:
    for identity, name in [("a", "X"), ("b", "X"), ("a", "Y")]:
        heap_mock.post("/api/track", {"app_id": APP, "identity": identity, "event": name, "properties": {"plan": "gold"}})
    heap_mock.post("/api/track", {"app_id": "99", "identity": "a", "event": "X"})
    assert len(heap_mock.events(identity="a")) == 3
    assert len(heap_mock.events(app_id=APP, event="X")) == 2
    assert len(heap_mock.events(q="GOLD")) == 3
    newest = requests.get(f"{heap_mock.url}/_mock/events", params={"order": "desc", "limit": 1}).json()
    assert (newest["total"], newest["events"][0]["app_id"]) == (4, "99")
    assert requests.get(f"{heap_mock.url}/_mock/events", params={"limit": "x"}).status_code == 400


def test_journal_records_every_heap_request_and_is_capped() -> None:
    with HeapMockServer(config={"journal_limit": 5, "log_requests": False}) as server:
        client = MockClient(server.url)
        for index in range(8):
            client.post("/api/track", {**EVENT, "event": f"E{index}"})
        client.post("/api/nowhere", {})
        journal = client.requests()
        assert len(journal) == 5
        assert [entry["body"].get("event") for entry in journal[:4]] == ["E4", "E5", "E6", "E7"]
        assert journal[-1]["status"] == 404
        assert client.health()["counts"]["requests"] == 9


def test_journal_drops_its_oldest_entries_to_keep_its_bodies_under_journal_max_bytes() -> None:
    # Without a byte cap, 10,000 journaled bodies of 10 MiB would hold 100 GB.
    with HeapMockServer(config={"journal_max_bytes": 1000, "log_requests": False}) as server:
        client = MockClient(server.url)
        for index in range(5):  # each body is a little over 300 bytes: three fit in 1000
            assert client.post("/api/track", {**EVENT, "event": f"E{index}", "properties": {"pad": "x" * 250}}).status_code == 200
        assert [entry["body"]["event"] for entry in client.requests()] == ["E2", "E3", "E4"]
        big = client.post("/api/track", {**EVENT, "event": "big", "properties": {"pad": "x" * 1000}})
        assert big.status_code == 200
        assert [entry["body"]["event"] for entry in client.requests()] == ["big"]  # the newest is always kept
        assert client.health()["counts"]["requests"] == 6
        assert len(client.events()) == 6  # the journal's cap never touches stored events


def test_reset_clears_state_limits_and_faults(heap_mock: MockClient) -> None:
    for _ in range(30):
        heap_mock.post("/api/track", EVENT)
    heap_mock.add_fault(path="/api/add_user_properties", status=500)
    heap_mock.reset()
    assert heap_mock.events() == [] and heap_mock.requests() == [] and heap_mock.faults() == []
    assert heap_mock.post("/api/track", EVENT).status_code == 200


def test_fault_answers_a_status_with_retry_after_for_n_requests(heap_mock: MockClient) -> None:
    heap_mock.add_fault(path="/api/track", status=503, retry_after=2, times=2)
    first, second, third = (heap_mock.post("/api/track", EVENT) for _ in range(3))
    assert (first.status_code, first.headers["Retry-After"]) == (503, "2")
    assert second.status_code == 503 and third.status_code == 200
    assert len(heap_mock.events()) == 1
    faulted = heap_mock.requests(status=503)
    assert [entry["rule_id"] for entry in faulted] == ["fault.injected", "fault.injected"]
    assert [entry["retry_after"] for entry in faulted] == [2, 2]
    assert heap_mock.faults() == []


def test_fault_with_probability_and_seed_repeats_exactly(heap_mock: MockClient) -> None:
    def run() -> list[int]:
        heap_mock.reset()
        heap_mock.add_fault(path="/api/*", status=500, probability=0.5, seed=7)
        return [heap_mock.post("/api/track", {**EVENT, "identity": f"u{i}"}).status_code for i in range(20)]

    first, second = run(), run()
    assert first == second
    assert 0 < first.count(500) < 20


# A dropped connection: closed before any answer under waitress; under granian the answer is cut
# off after its headers, which requests reports as a broken chunked read.
CONNECTION_BROKEN = (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)


def test_dropped_connection_breaks_the_client_and_stores_nothing(heap_mock: MockClient) -> None:
    heap_mock.add_fault(path="/api/track", drop_connection=True, times=1)
    with pytest.raises(CONNECTION_BROKEN):
        requests.post(f"{heap_mock.url}/api/track", json=EVENT)
    assert heap_mock.events() == []
    [journaled] = heap_mock.requests()
    assert (journaled["status"], journaled["rule_id"]) == (0, "fault.injected")
    assert "connection dropped" in journaled["message"]
    assert requests.post(f"{heap_mock.url}/api/track", json=EVENT).status_code == 200


def test_fault_after_processing_loses_the_answer_but_keeps_the_event(heap_mock: MockClient) -> None:
    heap_mock.add_fault(path="/api/track", status=502, after_processing=True, times=1)
    body = {**EVENT, "idempotency_key": "k"}
    assert heap_mock.post("/api/track", body).status_code == 502
    assert heap_mock.post("/api/track", body).status_code == 200
    assert len(heap_mock.events()) == 1


def test_delay_fault_slows_the_answer_enough_to_time_out() -> None:
    # Its own server: the delayed request finishes after the client gave up, and must not land
    # in the shared simulator's journal during another test.
    with HeapMockServer(config={"log_requests": False}) as server:
        client = MockClient(server.url)
        client.add_fault(path="/api/track", delay_ms=300, status=200, body="{}", times=1)
        with pytest.raises(requests.exceptions.Timeout):
            requests.post(f"{server.url}/api/track", json=EVENT, timeout=0.05)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"status": 503}, "fault.path"),
        ({"path": "/_mock/reset", "status": 503}, "fault.path"),
        ({"path": "/api/track"}, "fault must set status, drop_connection or delay_ms"),
        ({"path": "/api/track", "status": 999}, "fault.status must be an HTTP status from 200 to 599, got the number 999"),
        ({"path": "/api/track", "status": 503, "probability": 2}, "fault.probability must be a number from 0 to 1, got the number 2"),
        ({"path": "/api/track", "status": 503, "colour": "red"}, "fault.colour is unknown; known: after_processing, body,"),
    ],
)
def test_malformed_fault_rules_are_refused_by_field(heap_mock: MockClient, spec: dict[str, object], message: str) -> None:
    with pytest.raises(MockClientError, match=message.replace("(", r"\(").replace(")", r"\)")):
        heap_mock.add_fault(**spec)


def test_unknown_paths_404_and_wrong_methods_405_as_json(heap_mock: MockClient) -> None:
    missing = requests.get(f"{heap_mock.url}/api/nothing")
    assert (missing.status_code, missing.json()["rule_id"]) == (404, "route.not_found")
    wrong = requests.get(f"{heap_mock.url}/api/track")
    assert (wrong.status_code, wrong.json()["rule_id"]) == (405, "route.method")
    assert "POST" in wrong.headers["Allow"]


def test_body_over_the_size_limit_is_413() -> None:
    with HeapMockServer(config={"max_body_bytes": 1000, "log_requests": False}) as server:
        response = requests.post(f"{server.url}/api/track", data=b"x" * 2000)
        assert (response.status_code, response.json()["rule_id"]) == (413, "body.size")
        assert MockClient(server.url).requests()[0]["status"] == 413


def test_garbage_never_causes_a_500(heap_mock: MockClient) -> None:
    garbage = [b"\xff\xfe", b"null", b"[]", b'"text"', b"{" * 5000, b'{"app_id": 1e400}', b'{"app_id": "1", "events": null}',
               b'{"app_id": "1", "identity": {"a": 1}, "event": ["x"]}', b'{"app_id": "1", "user_id": 1.5, "event": "E"}']
    for path in ("/api/track", "/api/add_user_properties", "/api/add_account_properties", "/api/v1/identify"):
        for body in garbage:
            response = requests.post(f"{heap_mock.url}{path}", data=body)
            assert response.status_code == 400, (path, body[:20], response.text)
            assert "Traceback" not in response.text


def test_health_config_and_rules_catalogue(heap_mock: MockClient) -> None:
    assert heap_mock.health()["status"] == "ok"
    assert heap_mock.config()["limits"]["track"] == {"limit": 30, "window_s": 30.0}
    rules = requests.get(f"{heap_mock.url}/_mock/rules").json()["rules"]
    assert {"limit.track", "properties.value_type", "user_properties.reserved_id"} <= {r["id"] for r in rules}


def test_servers_start_and_stop_cleanly_many_times() -> None:
    # Regression: stop() once raised EBADF when the server loop closed its trigger first.
    for _ in range(50):
        with HeapMockServer(config={"log_requests": False}) as server:
            assert requests.get(f"{server.url}/_mock/health").status_code == 200


def test_a_dropped_request_is_journaled_before_the_client_can_retry_it(heap_mock: MockClient) -> None:
    # The journal keeps arrival order: a forwarder retrying at once after a drop must never find
    # its retry journaled ahead of the request that was dropped.
    for index in range(20):
        heap_mock.add_fault(path="/api/track", drop_connection=True, times=1)
        body = {**EVENT, "idempotency_key": f"k{index}"}
        with pytest.raises(CONNECTION_BROKEN):
            requests.post(f"{heap_mock.url}/api/track", json=body)
        assert requests.post(f"{heap_mock.url}/api/track", json=body).status_code == 200
    assert [entry["status"] for entry in heap_mock.requests()] == [0, 200] * 20
