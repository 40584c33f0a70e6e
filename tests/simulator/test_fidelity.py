"""Fidelity over real HTTP: what live Heap accepted is accepted with a warning under `observed`
(the default) and refused under `documented`, and a warning is kept with the request and its events."""

from __future__ import annotations

import re
from typing import Any

import pytest

from heap_mock.config import Config, ConfigError
from heap_mock.server import HeapMockServer
from heap_mock.testing import MockClient, MockClientError
from tests.simulator.live_heap_replays import AIRBYTE_ACCOUNT, AIRBYTE_TRACK, REPLAYS, SEGMENT_IDENTIFY, VALUE_OF_1024, LiveReplay

APP = "11"


def only_warning(entry: dict[str, Any]) -> dict[str, Any]:
    [warning] = entry["warnings"]
    return warning


# --- the replays: live Heap's answers under observed, refusals under documented -----------------


@pytest.mark.parametrize("replay", REPLAYS, ids=[r.name for r in REPLAYS])
def test_a_replayed_request_gets_live_heaps_answer_under_observed(heap_mock: MockClient, replay: LiveReplay) -> None:
    response = heap_mock.post(replay.path, replay.body)
    assert response.status_code == replay.live_status, response.text
    [entry] = heap_mock.requests()
    assert (entry["status"], entry["rule_id"]) == (200, None)
    assert {w["rule_id"] for w in entry["warnings"]} == {replay.refused_by}


@pytest.mark.parametrize("replay", REPLAYS, ids=[r.name for r in REPLAYS])
def test_a_replayed_request_is_refused_under_documented(documented: MockClient, replay: LiveReplay) -> None:
    response = documented.post(replay.path, replay.body)
    assert response.status_code == 400
    [entry] = documented.requests()
    assert entry["rule_id"] == replay.refused_by and entry["warnings"] == []
    assert (documented.events(), documented.users(), documented.accounts()) == ([], [], [])


# --- booleans -----------------------------------------------------------------------------------


def test_a_boolean_is_stored_as_text_and_reads_back_so_through_every_read_endpoint(heap_mock: MockClient) -> None:
    assert heap_mock.post(AIRBYTE_TRACK.path, AIRBYTE_TRACK.body).status_code == 200
    assert heap_mock.post("/api/add_user_properties", {"app_id": APP, "identity": "beryl_becker95@yahoo.com", "properties": {"vip": True}}).status_code == 200
    account = heap_mock.post(AIRBYTE_ACCOUNT.path, AIRBYTE_ACCOUNT.body)
    assert (account.status_code, account.text) == (200, "OK")
    [event] = heap_mock.events()
    assert event["properties"]["blocked"] == "false"
    warning = only_warning(event)
    assert warning["rule_id"] == "properties.boolean" and warning["path"] == "postBody.events[0].properties.blocked"
    assert warning["fact"] == "boolean false" and warning["evidence"] == "observed" and "airbytehq/airbyte" in warning["source"]
    assert heap_mock.users()[0]["properties"] == {"vip": "true"}
    assert heap_mock.accounts()[0]["properties"] == {"family_name": "Blanda", "email_verified": "false", "blocked": "false"}
    track_entry, user_entry, account_entry = heap_mock.requests(order="asc")
    assert track_entry["body"]["properties"]["blocked"] is False  # the journal keeps what was sent
    assert only_warning(track_entry) == warning  # the same warning on the request and on its event
    assert only_warning(user_entry)["path"] == "postBody.properties.vip"
    assert [w["path"] for w in account_entry["warnings"]] == ["postBody.properties.email_verified", "postBody.properties.blocked"]


def test_booleans_in_a_track_array_are_joined_as_text_with_a_warning(heap_mock: MockClient) -> None:
    body = {"app_id": APP, "identity": "a", "event": "E", "properties": {"flags": [True, "x", False]}}
    assert heap_mock.post("/api/track", body).status_code == 200
    [event] = heap_mock.events()
    assert event["properties"]["flags"] == "true||x||false"
    assert [w["path"] for w in event["warnings"]] == ["postBody.events[0].properties.flags[0]", "postBody.events[0].properties.flags[2]"]


def test_a_bulk_keeps_each_events_own_warnings(heap_mock: MockClient) -> None:
    events = [{"identity": "a", "event": "E0"}, {"identity": "a", "event": "E1", "properties": {"ok": True}}]
    assert heap_mock.post("/api/track", {"app_id": APP, "events": events}).status_code == 200
    stored = {event["event"]: event["warnings"] for event in heap_mock.events()}
    assert stored["E0"] == [] and [w["path"] for w in stored["E1"]] == ["postBody.events[1].properties.ok"]


def test_documented_refuses_a_boolean_naming_the_rule(documented: MockClient) -> None:
    response = documented.post("/api/track", {"app_id": APP, "identity": "a", "event": "E", "properties": {"flag": True}})
    assert (response.status_code, response.text.strip()) == (400, "postBody.events[0].properties.flag should be string or number, not a boolean")


def test_nulls_and_objects_are_refused_under_both_fidelities(heap_mock: MockClient, documented: MockClient) -> None:
    for client in (heap_mock, documented):
        for value in (None, {"a": 1}):
            response = client.post("/api/track", {"app_id": APP, "identity": "a", "event": "E", "properties": {"p": value}})
            assert response.status_code == 400 and "properties.p should be string or number" in response.text


# --- a user property named id -------------------------------------------------------------------


def test_a_user_property_named_id_is_accepted_not_stored_and_warned(heap_mock: MockClient) -> None:
    response = heap_mock.post(SEGMENT_IDENTIFY.path, SEGMENT_IDENTIFY.body)
    assert (response.status_code, response.json()) == (200, {})
    assert heap_mock.users() == [{"app_id": "1535634150", "identity": "user-id", "properties": {"property": "value"}, "user_ids": []}]
    warning = only_warning(heap_mock.requests()[0])
    assert warning["fact"] == "user property named 'id'" and "segment-boneyard/integration-heap" in warning["source"]
    assert "not stored" in warning["message"]


def test_a_bulk_user_property_named_id_is_refused_under_documented(documented: MockClient) -> None:
    response = documented.post("/api/add_user_properties", {"app_id": APP, "users": [{"identity": "a", "properties": {"Id": "1"}}]})
    assert response.status_code == 400 and "postBody.users[0].properties.Id is reserved" in response.text


# --- the 1024-character boundary ----------------------------------------------------------------


def test_a_value_of_1024_is_accepted_with_a_warning_and_1025_is_refused_under_observed(heap_mock: MockClient) -> None:
    assert heap_mock.post(VALUE_OF_1024.path, VALUE_OF_1024.body).status_code == 200
    [event] = heap_mock.events()
    assert event["properties"]["description"] == "d" * 1024
    assert only_warning(event)["fact"] == "string of 1024 characters" and only_warning(event)["evidence"] == "clients"
    over = heap_mock.post("/api/track", {"app_id": APP, "identity": "a", "event": "E", "properties": {"p": "v" * 1025}})
    assert over.status_code == 400 and "should NOT be longer than 1024 characters" in over.text


def test_documented_refuses_1024_and_accepts_1023(documented: MockClient) -> None:
    refused = documented.post(VALUE_OF_1024.path, VALUE_OF_1024.body)
    assert refused.text.strip() == "postBody.events[0].properties.description should be fewer than 1024 characters"
    over = documented.post("/api/track", {"app_id": APP, "identity": "a", "event": "E", "properties": {"p": "v" * 1025}})
    assert over.text.strip() == "postBody.events[0].properties.p should be fewer than 1024 characters"
    accepted = documented.post("/api/add_user_properties", {"app_id": APP, "identity": "a", "properties": {"p": "v" * 1023}})
    assert accepted.status_code == 200 and documented.requests(order="desc")[0]["warnings"] == []


def test_truncation_cuts_to_the_longest_value_each_fidelity_accepts() -> None:
    for fidelity, longest in (("observed", 1024), ("documented", 1023)):
        with HeapMockServer(config={"fidelity": fidelity, "long_values": "truncate", "log_requests": False}) as server:
            client = MockClient(server.url)
            assert client.post("/api/track", {"app_id": APP, "identity": "a", "event": "E", "properties": {"p": "v" * 5000}}).status_code == 200
            assert client.events()[0]["properties"]["p"] == "v" * longest


# --- the setting itself -------------------------------------------------------------------------


def test_fidelity_defaults_to_observed_and_refuses_an_unknown_value(heap_mock: MockClient, documented: MockClient) -> None:
    assert heap_mock.config()["fidelity"] == "observed" and documented.config()["fidelity"] == "documented"
    with pytest.raises(ConfigError, match=re.escape('config.fidelity must be "observed" or "documented"')):
        Config.from_mapping({"fidelity": "live"})


def test_the_rules_endpoint_says_what_each_fidelity_does(heap_mock: MockClient) -> None:
    rules = {rule["id"]: rule for rule in heap_mock.rules()}
    assert rules["properties.boolean"]["under_documented"] == "refused (400)"
    assert rules["properties.boolean"]["under_observed"].startswith("accepted with a warning")
    assert rules["track.event.required"]["under_observed"] == rules["track.event.required"]["under_documented"] == "as stated"


def test_a_throttled_request_keeps_no_warnings(heap_mock: MockClient) -> None:
    body = {"app_id": APP, "identity": "a", "event": "E", "properties": {"flag": True}}
    statuses = [heap_mock.post("/api/track", body).status_code for _ in range(31)]
    assert statuses[-1] == 429
    throttled = heap_mock.requests(status=429)[0]
    assert throttled["warnings"] == [] and len(heap_mock.events()) == 30


def test_the_journal_filters_requests_accepted_with_warnings(heap_mock: MockClient) -> None:
    assert heap_mock.post(AIRBYTE_TRACK.path, AIRBYTE_TRACK.body).status_code == 200
    assert heap_mock.post("/api/track", {"app_id": APP, "identity": "a", "event": "Clean"}).status_code == 200
    assert [entry["body"]["event"] for entry in heap_mock.requests(warned="true")] == [AIRBYTE_TRACK.body["event"]]
    assert [entry["body"]["event"] for entry in heap_mock.requests(warned="false")] == ["Clean"]
    with pytest.raises(MockClientError, match="'warned' should be one of true, false"):
        heap_mock.requests(warned="yes")
