"""Heap's partner endpoints over real HTTP: Segment's shapes validated, stored, journaled and limited
like their public twins, under both fidelities."""

from __future__ import annotations

from typing import Any

from heap_mock.testing import MockClient

APP = "123456789"


def segment_track(*events: dict[str, Any]) -> dict[str, Any]:
    """The body Segment's Heap destination posts (segmentio/action-destinations, heap/trackEvent/index.ts)."""
    return {"app_id": APP, "events": list(events), "library": "Segment"}


def segment_event(name: str = "Test Event", who: dict[str, str] | None = None, **properties: Any) -> dict[str, Any]:
    return {
        "event": name,
        "properties": {"segment_library": "cloud-mode-destination", **properties},
        "idempotency_key": f"msg-{name}",
        "user_identifier": who or {"identity": "alice"},
        "timestamp": "2021-08-17T15:21:15.449Z",
    }


def test_segments_track_is_stored_as_its_public_twin_would_be(heap_mock: MockClient) -> None:
    answer = heap_mock.post("/api/integrations/track", segment_track(segment_event(plan="pro", seats=3)))
    assert (answer.status_code, answer.json()) == (200, {})
    [event] = heap_mock.events()
    assert event == {
        "app_id": APP, "identity": "alice", "user_id": None, "event": "Test Event", "timestamp": "2021-08-17T15:21:15.449Z",
        "properties": {"segment_library": "cloud-mode-destination", "plan": "pro", "seats": 3}, "session_id": None,
        "idempotency_key": "msg-Test Event", "endpoint": "integrations_track", "request_id": event["request_id"], "warnings": [],
    }
    [entry] = heap_mock.requests()
    assert (entry["path"], entry["stored_events"]) == ("/api/integrations/track", 1)
    assert heap_mock.users()[0]["identity"] == "alice"
    assert heap_mock.events(endpoint="integrations_track") == [event]


def test_custom_properties_join_properties_and_user_id_or_anonymous_id_name_the_user(heap_mock: MockClient) -> None:
    events = [
        {**segment_event("A", {"anonymous_id": "anon-7"}), "custom_properties": {"color": "red"}},
        segment_event("B", {"user_id": "42"}),
    ]
    assert heap_mock.post("/api/integrations/track", segment_track(*events)).status_code == 200
    stored = {event["event"]: event for event in heap_mock.events()}
    assert stored["A"]["identity"] == "anon-7" and stored["A"]["properties"]["color"] == "red"
    assert (stored["B"]["identity"], stored["B"]["user_id"]) == (None, "42")


def test_a_partner_body_is_refused_all_or_nothing_naming_path_and_rule(heap_mock: MockClient) -> None:
    events = [segment_event("ok"), {"event": "no user"}, {**segment_event("bad value"), "custom_properties": {"loc": {"city": "LA"}}}]
    answer = heap_mock.post("/api/integrations/track", segment_track(*events))
    assert answer.status_code == 400
    assert answer.text.splitlines() == [
        "postBody.events[1].user_identifier should be an object naming the user (identity, email, anonymous_id or user_id)",
        "postBody.events[2].custom_properties.loc should be string or number",
    ]
    assert [v["rule_id"] for v in heap_mock.requests()[0]["violations"]] == ["integrations.user_identifier", "properties.value_type"]
    assert heap_mock.events() == []
    missing = heap_mock.post("/api/integrations/track", {"app_id": APP, "event": "E"})
    assert missing.text.strip() == "postBody should have required property 'events'"


def test_partner_booleans_warn_under_observed_and_are_refused_under_documented(heap_mock: MockClient, documented: MockClient) -> None:
    body = segment_track({**segment_event(), "custom_properties": {"trial": True}})
    assert heap_mock.post("/api/integrations/track", body).status_code == 200
    [event] = heap_mock.events()
    assert event["properties"]["trial"] == "true"
    assert [w["path"] for w in event["warnings"]] == ["postBody.events[0].custom_properties.trial"]
    refused = documented.post("/api/integrations/track", body)
    assert refused.status_code == 400 and "custom_properties.trial should be string or number, not a boolean" in refused.text


def test_partner_user_properties_store_like_add_user_properties(heap_mock: MockClient, documented: MockClient) -> None:
    # segmentio/action-destinations' later Heap destination: users[] of user_identifier + custom_properties.
    body = {"app_id": APP, "library": "Segment", "users": [
        {"user_identifier": {"identity": "alice"}, "custom_properties": {"plan": "gold", "id": "7", "vip": False}},
        {"user_identifier": {"email": "bob@example.com"}, "properties": {"seats": 5}},  # Looker's shape
    ]}
    assert heap_mock.post("/api/integrations/add_user_properties", body).status_code == 200
    users = {user["identity"]: user["properties"] for user in heap_mock.users()}
    assert users == {"alice": {"plan": "gold", "vip": "false"}, "bob@example.com": {"seats": 5}}
    assert {w["rule_id"] for w in heap_mock.requests()[0]["warnings"]} == {"user_properties.reserved_id", "properties.boolean"}
    refused = documented.post("/api/integrations/add_user_properties", body)
    assert refused.status_code == 400 and documented.users() == []
    user_id_only = heap_mock.post("/api/integrations/add_user_properties", {"app_id": APP, "users": [{"user_identifier": {"user_id": "5"}}]})
    assert user_id_only.text.strip() == "postBody.users[0].user_identifier should name the user by identity, email or anonymous_id"


def test_partner_endpoints_are_limited_as_their_twins(heap_mock: MockClient) -> None:
    for _ in range(30):
        assert heap_mock.post("/api/integrations/add_user_properties", {"app_id": APP, "users": [{"user_identifier": {"identity": "a"}}]}).status_code == 200
    throttled = heap_mock.post("/api/integrations/add_user_properties", {"app_id": APP, "users": [{"user_identifier": {"identity": "a"}}]})
    assert throttled.status_code == 429 and heap_mock.requests(status=429)[0]["rule_id"] == "limit.user_properties"
    many = segment_track(*[segment_event(f"E{n}") for n in range(1000)])
    assert heap_mock.post("/api/integrations/track", many).status_code == 200
    again = heap_mock.post("/api/integrations/track", segment_track(segment_event("one more")))
    assert again.status_code == 429 and "limit.bulk_identity" in again.text
