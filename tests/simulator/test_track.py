"""POST /api/track over real HTTP: what is stored, and every payload rule with its 400."""

from __future__ import annotations

import pytest

from heap_mock import HeapMockServer
from heap_mock.testing import MockClient

APP = "11"


def event(**fields: object) -> dict[str, object]:
    return {"identity": "alice@example.com", "event": "Signed Up", **fields}


def test_single_event_is_stored_with_every_field(heap_mock: MockClient) -> None:
    body = {"app_id": APP, **event(properties={"plan": "pro", "seats": 3}, session_id="s1", idempotency_key="k1",
                                   timestamp="2017-03-10T22:21:56+00:00")}
    response = heap_mock.post("/api/track", body)
    assert (response.status_code, response.json()) == (200, {})
    [stored] = heap_mock.events()
    assert stored == {
        "app_id": APP, "identity": "alice@example.com", "user_id": None, "event": "Signed Up",
        "timestamp": "2017-03-10T22:21:56.000Z", "properties": {"plan": "pro", "seats": 3}, "session_id": "s1",
        "idempotency_key": "k1", "endpoint": "track", "request_id": stored["request_id"], "warnings": [],
    }


def test_documented_example_joins_array_values_with_double_pipes(heap_mock: MockClient) -> None:
    body = {"app_id": "11", "identity": "alice@example.com", "event": "Send Transactional Email",
            "timestamp": "2017-03-10T22:21:56+00:00",
            "properties": {"subject": "Welcome to My App!", "variation": "A", "flavors": ["vanilla", "chocolate", "strawberry"]}}
    assert heap_mock.post("/api/track", body).status_code == 200
    assert heap_mock.events()[0]["properties"]["flavors"] == "vanilla||chocolate||strawberry"


def test_array_values_are_cut_to_1024_characters(heap_mock: MockClient) -> None:
    heap_mock.post("/api/track", {"app_id": APP, **event(properties={"tags": ["x" * 600, "y" * 600]})})
    assert heap_mock.events()[0]["properties"]["tags"] == ("x" * 600 + "||" + "y" * 600)[:1024]


def test_bulk_events_are_stored_in_order_as_bulk_track(heap_mock: MockClient) -> None:
    events = [event(event=f"E{i}") for i in range(5)]
    assert heap_mock.post("/api/track", {"app_id": APP, "events": events}).status_code == 200
    stored = heap_mock.events()
    assert [e["event"] for e in stored] == ["E0", "E1", "E2", "E3", "E4"]
    assert {e["endpoint"] for e in stored} == {"bulk_track"}
    assert len({e["request_id"] for e in stored}) == 1


@pytest.mark.parametrize(
    ("timestamp", "stored"),
    [
        ("2020-01-16T18:53:20.866+05:30", "2020-01-16T13:23:20.866Z"),
        ("2017-04-21T21:49:04.987Z", "2017-04-21T21:49:04.987Z"),
        ("2017-04-21T21:49:04", "2017-04-21T21:49:04.000Z"),
        (1579180400866, "2020-01-16T13:13:20.866Z"),
        ("1579180400866", "2020-01-16T13:13:20.866Z"),
    ],
    ids=["offset", "zulu", "no-offset-is-utc", "epoch-ms-number", "epoch-ms-string"],
)
def test_timestamps_are_stored_as_utc(heap_mock: MockClient, timestamp: object, stored: str) -> None:
    assert heap_mock.post("/api/track", {"app_id": APP, **event(timestamp=timestamp)}).status_code == 200
    assert heap_mock.events()[0]["timestamp"] == stored


def test_missing_timestamp_defaults_to_the_simulator_clock(heap_mock: MockClient) -> None:
    heap_mock.set_clock("2030-05-05T05:05:05Z")
    heap_mock.post("/api/track", {"app_id": APP, **event()})
    assert heap_mock.events()[0]["timestamp"] == "2030-05-05T05:05:05.000Z"


def test_user_id_may_replace_identity(heap_mock: MockClient) -> None:
    for user_id in ("1847839267195673", 42, str(2**53 - 1)):
        body = {"app_id": 11, "event": "E", "user_id": user_id}
        assert heap_mock.post("/api/track", body).status_code == 200, user_id
    assert [e["user_id"] for e in heap_mock.events()] == ["1847839267195673", "42", str(2**53 - 1)]


def test_idempotency_key_stores_a_repeated_event_once(heap_mock: MockClient) -> None:
    body = {"app_id": APP, **event(idempotency_key="airbyte-preflight-check")}
    assert [heap_mock.post("/api/track", body).status_code for _ in range(3)] == [200, 200, 200]
    bulk = {"app_id": APP, "events": [event(idempotency_key="a"), event(idempotency_key="a"), event(idempotency_key="b")]}
    assert heap_mock.post("/api/track", bulk).status_code == 200
    assert [e["idempotency_key"] for e in heap_mock.events()] == ["airbyte-preflight-check", "a", "b"]


def test_same_idempotency_key_in_two_apps_is_two_events(heap_mock: MockClient) -> None:
    for app in ("1", "2"):
        heap_mock.post("/api/track", {"app_id": app, **event(idempotency_key="same")})
    assert len(heap_mock.events()) == 2


def test_exactly_1024_characters_is_accepted(heap_mock: MockClient) -> None:
    body = {"app_id": APP, **event(event="e" * 1024, identity="i" * 255, properties={"k" * 1024: "v" * 1024})}
    assert heap_mock.post("/api/track", body).status_code == 200


REJECTIONS = [
    ("not-json", b"{not json", "body.json", "postBody is not valid JSON"),
    ("empty-body", b"", "body.json", "postBody should be a JSON object, the body is empty"),
    ("array-body", [1, 2], "body.object", "postBody should be object"),
    ("no-app-id", {"identity": "a", "event": "E"}, "app_id.required", "postBody should have required property 'app_id'"),
    ("app-id-x", {"app_id": "x", "identity": "a", "event": "E"}, "app_id.numeric", "postBody.app_id should be a numeric environment ID"),
    ("app-id-bool", {"app_id": True, "identity": "a", "event": "E"}, "app_id.numeric", "postBody.app_id"),
    ("no-event", {"app_id": APP, "identity": "a"}, "track.event.required", "postBody.events[0] should have required property 'event'"),
    ("empty-event", {"app_id": APP, "identity": "a", "event": ""}, "track.event.required", "postBody.events[0].event should be a non-empty string"),
    ("long-event", {"app_id": APP, "identity": "a", "event": "e" * 1025}, "track.event.length", "postBody.events[0].event should NOT be longer than 1024 characters"),
    ("neither", {"app_id": APP, "event": "E"}, "track.identity_xor_user_id", "has neither"),
    ("both", {"app_id": APP, "event": "E", "identity": "a", "user_id": "1"}, "track.identity_xor_user_id", "has both"),
    ("long-identity", {"app_id": APP, "event": "E", "identity": "i" * 256}, "identity.format", "postBody.events[0].identity should NOT be longer than 255 characters"),
    ("numeric-identity", {"app_id": APP, "event": "E", "identity": 5}, "identity.format", "postBody.events[0].identity should be a non-empty string"),
    ("user-id-too-big", {"app_id": APP, "event": "E", "user_id": str(2**53)}, "user_id.format", "postBody.events[0].user_id"),
    ("user-id-negative", {"app_id": APP, "event": "E", "user_id": "-1"}, "user_id.format", "postBody.events[0].user_id"),
    ("properties-array", {"app_id": APP, "event": "E", "identity": "a", "properties": []}, "properties.object", "postBody.events[0].properties should be object"),
    ("null-value", {"app_id": APP, "event": "E", "identity": "a", "properties": {"plan": None}}, "properties.value_type", "postBody.events[0].properties.plan should be string or number"),
    ("nested-value", {"app_id": APP, "event": "E", "identity": "a", "properties": {"loc": {"city": "LA"}}}, "properties.value_type", "postBody.events[0].properties.loc should be string or number"),
    ("nested-array-item", {"app_id": APP, "event": "E", "identity": "a", "properties": {"t": ["a", {}]}}, "properties.value_type", "postBody.events[0].properties.t[1] should be string or number"),
    ("long-value", {"app_id": APP, "event": "E", "identity": "a", "properties": {"p": "v" * 1025}}, "properties.value_length", "postBody.events[0].properties.p should NOT be longer than 1024 characters"),
    ("long-key", {"app_id": APP, "event": "E", "identity": "a", "properties": {"k" * 1025: "v"}}, "properties.key_length", "property name should NOT be longer than 1024 characters"),
    ("bad-timestamp", {"app_id": APP, "event": "E", "identity": "a", "timestamp": "yesterday"}, "timestamp.format", "postBody.events[0].timestamp should be an ISO 8601 date-time or epoch milliseconds"),
    ("numeric-session", {"app_id": APP, "event": "E", "identity": "a", "session_id": 5}, "session_id.format", "postBody.events[0].session_id should be a non-empty string"),
    ("empty-idempotency", {"app_id": APP, "event": "E", "identity": "a", "idempotency_key": ""}, "idempotency_key.format", "postBody.events[0].idempotency_key"),
    ("events-object", {"app_id": APP, "events": {"event": "E"}}, "bulk.array", "postBody.events should be array"),
    ("events-empty", {"app_id": APP, "events": []}, "bulk.size", "postBody.events should have between 1 and 1000 items, got 0"),
    ("events-1001", {"app_id": APP, "events": [{"event": "E", "identity": "a"}] * 1001}, "bulk.size", "got 1001"),
    ("events-item-string", {"app_id": APP, "events": ["E"]}, "bulk.array", "postBody.events[0] should be object"),
]


@pytest.mark.parametrize(("body", "rule_id", "message"), [r[1:] for r in REJECTIONS], ids=[r[0] for r in REJECTIONS])
def test_each_payload_rule_answers_400_naming_path_and_rule(heap_mock: MockClient, body: object, rule_id: str, message: str) -> None:
    if isinstance(body, bytes):
        response = heap_mock.session.post(f"{heap_mock.url}/api/track", data=body, headers={"Content-Type": "application/json"})
    else:
        response = heap_mock.post("/api/track", body)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/plain")
    assert message in response.text
    [journaled] = heap_mock.requests()
    assert (journaled["status"], journaled["rule_id"]) == (400, rule_id)
    assert heap_mock.events() == []


def test_a_bulk_request_is_all_or_nothing_and_names_every_violation(heap_mock: MockClient) -> None:
    events = [event(event=f"E{i}") for i in range(5)]
    events[3]["properties"] = {"plan": None}
    events[4]["identity"] = ""
    response = heap_mock.post("/api/track", {"app_id": APP, "events": events})
    assert response.status_code == 400
    assert response.text.splitlines() == [
        "postBody.events[3].properties.plan should be string or number",
        "postBody.events[4].identity should be a non-empty string",
    ]
    assert heap_mock.events() == []
    assert [v["rule_id"] for v in heap_mock.requests()[0]["violations"]] == ["properties.value_type", "identity.format"]


def test_long_values_can_be_truncated_instead_of_rejected() -> None:
    with HeapMockServer(config={"long_values": "truncate", "log_requests": False}) as server:
        client = MockClient(server.url)
        assert client.post("/api/track", {"app_id": APP, **event(properties={"p": "v" * 2000})}).status_code == 200
        assert client.events()[0]["properties"]["p"] == "v" * 1024


def test_property_names_with_odd_characters_are_quoted_in_the_path(heap_mock: MockClient) -> None:
    response = heap_mock.post("/api/track", {"app_id": APP, **event(properties={"Sales Rep": None})})
    assert "postBody.events[0].properties['Sales Rep'] should be string or number" in response.text
