"""Input chosen to break the simulator, over real HTTP: each once answered 500, stored what it
should have refused, or left the inspection API failing until a reset. Each must now get a clear
4xx that names the field, and leave the simulator whole."""

from __future__ import annotations

import base64

import pytest
import requests

from heap_mock.testing import MockClient

EVENT = {"app_id": "11", "identity": "alice", "event": "E"}
LONG_USER_ID = "1" * 4301  # past the 4,300 digits int() will parse


def assert_refused(response: requests.Response, status: int, *fragments: str) -> None:
    assert response.status_code == status, response.text
    assert "Traceback" not in response.text
    is_json = response.headers["Content-Type"].startswith("application/json")
    message = response.json()["message"] if is_json else response.text  # Heap's answers are plain text
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/track", {"app_id": "11", "user_id": LONG_USER_ID, "event": "E"}, "postBody.events[0].user_id"),
        ("/api/track", {"app_id": "11", "events": [{"user_id": LONG_USER_ID, "event": "E"}]}, "postBody.events[0].user_id"),
        ("/api/v1/identify", {"app_id": "11", "identity": "alice", "user_id": LONG_USER_ID}, "postBody.user_id"),
    ],
)
def test_a_user_id_too_long_to_parse_is_a_400_naming_it(heap_mock: MockClient, path: str, body: dict[str, object], field: str) -> None:
    assert_refused(heap_mock.post(path, body), 400, field, "2^53 - 1")
    assert heap_mock.events() == []


def test_a_zero_padded_user_id_is_the_number_it_pads(heap_mock: MockClient) -> None:
    assert heap_mock.post("/api/track", {"app_id": "11", "user_id": "0" * 5000 + "42", "event": "E"}).status_code == 200
    assert [event["user_id"] for event in heap_mock.events()] == ["42"]


@pytest.mark.parametrize(("field", "path"), [("app_id", "postBody.app_id"), ("user_id", "postBody.events[0].user_id")])
def test_digits_followed_by_a_newline_are_not_digits(heap_mock: MockClient, field: str, path: str) -> None:
    body = {"app_id": "11", "user_id": "12", "event": "E", field: "12\n"}
    assert_refused(heap_mock.post("/api/track", body), 400, path)
    assert heap_mock.events() == []


@pytest.mark.parametrize("timestamp", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])
def test_a_timestamp_outside_years_1_to_9999_in_utc_is_refused_and_inspection_keeps_working(
    heap_mock: MockClient, timestamp: str
) -> None:
    assert_refused(heap_mock.post("/api/track", {**EVENT, "timestamp": timestamp}), 400, "postBody.events[0].timestamp")
    assert heap_mock.post("/api/track", {**EVENT, "timestamp": "0001-01-01T00:00:00Z"}).status_code == 200
    assert [event["timestamp"] for event in heap_mock.events()] == ["0001-01-01T00:00:00.000Z"]


@pytest.mark.parametrize(
    ("command", "status", "fragment"),
    [
        ({"advance": 3e11}, 409, "past the year 9999"),  # well formed; the clock's state rules it out
        ({"advance": 1e300}, 409, "past the year 9999"),
        ({"set": "9999-12-31T23:59:59-01:00"}, 400, "from year 1 to 9999"),
        ({"mode": "scaled", "rate": 1e300}, 400, "clock.rate must be a number > 0 and <= 1000000, got the number 1e+300"),
    ],
)
def test_clock_commands_that_would_leave_the_calendar_are_refused_and_change_nothing(
    heap_mock: MockClient, command: dict[str, object], status: int, fragment: str
) -> None:
    heap_mock.set_clock("2026-01-01T00:00:00Z")
    assert_refused(requests.post(f"{heap_mock.url}/_mock/clock", json=command), status, fragment)
    assert heap_mock.clock()["now"] == "2026-01-01T00:00:00.000Z"
    assert requests.get(f"{heap_mock.url}/_mock/requests").status_code == 200
    assert requests.get(f"{heap_mock.url}/_mock/limits").status_code == 200


@pytest.mark.parametrize("query", ["limit=%C2%B2", "offset=%D9%A3", f"offset={'9' * 5000}", "limit=-1"])
@pytest.mark.parametrize("listing", ["events", "users", "accounts", "requests"])
def test_list_paging_takes_only_plain_whole_numbers(heap_mock: MockClient, listing: str, query: str) -> None:
    name = query.split("=")[0]
    assert_refused(requests.get(f"{heap_mock.url}/_mock/{listing}?{query}"), 400, f"query parameter '{name}'")


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic \u00c3\u00a9",  # the UTF-8 bytes of "é", sent as they are: not base64 at all
        "Basic " + base64.b64encode("²:key".encode()).decode(),  # a superscript two is not an app_id
        "Basic " + base64.b64encode("١٢٣:key".encode()).decode(),  # nor are Arabic-Indic digits
    ],
)
def test_auth_token_credentials_that_are_not_ascii_are_a_401(heap_mock: MockClient, authorization: str) -> None:
    response = requests.post(f"{heap_mock.url}/api/public/v0/auth_token", headers={"Authorization": authorization})
    assert_refused(response, 401)


def test_a_rejected_bulk_names_the_first_hundred_violations_and_counts_the_rest(heap_mock: MockClient) -> None:
    properties = {f"p{n}": None for n in range(5)}
    events = [{"identity": "alice", "event": "E", "properties": properties} for _ in range(1000)]
    response = heap_mock.post("/api/track", {"app_id": "11", "events": events})
    assert_refused(response, 400, "postBody.events[0].properties.p0 should be string or number")
    lines = response.text.splitlines()
    assert len(lines) == 101 and lines[-1] == "... and 4900 more violations not listed"
    assert "postBody.events[20].properties" not in response.text  # 100 named: events 0 to 19, five each
    [entry] = heap_mock.requests()
    assert len(entry["violations"]) == 100
    assert heap_mock.events() == []


def test_a_one_xx_fault_status_is_refused(heap_mock: MockClient) -> None:
    response = requests.post(f"{heap_mock.url}/_mock/faults", json={"path": "/api/track", "status": 100, "times": 1})
    assert_refused(response, 400, "status")
    assert heap_mock.faults() == []


def test_a_204_fault_answers_without_a_body_and_the_connection_stays_usable(heap_mock: MockClient) -> None:
    heap_mock.add_fault(path="/api/track", status=204, times=1)
    with requests.Session() as session:
        faulted = session.post(f"{heap_mock.url}/api/track", json=EVENT)
        assert (faulted.status_code, faulted.content) == (204, b"")
        assert session.post(f"{heap_mock.url}/api/track", json=EVENT).status_code == 200
    assert len(heap_mock.events()) == 1


def test_an_identity_spelled_like_a_user_id_key_has_its_own_track_budget(heap_mock: MockClient) -> None:
    for _ in range(30):
        assert heap_mock.post("/api/track", {"app_id": "11", "user_id": "5", "event": "E"}).status_code == 200
    assert heap_mock.post("/api/track", {"app_id": "11", "user_id": "5", "event": "E"}).status_code == 429
    assert heap_mock.post("/api/track", {"app_id": "11", "identity": "user_id:5", "event": "E"}).status_code == 200
    usage = {(u["identity"], u["user_id"]): u["used"] for u in heap_mock.limits()["usage"] if u["limit"] == "limit.track"}
    assert usage == {(None, "5"): 30, ("user_id:5", None): 1}
