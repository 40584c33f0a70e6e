"""The journal and the event store over real HTTP: entries that always render, a bounded event
store that counts what it drops, and pages and counts that agree with the entries they count."""

from __future__ import annotations

import gc
import json

import requests

from heap_mock import HeapMockServer
from heap_mock.testing import MockClient

EVENT = {"app_id": "11", "identity": "ada", "event": "Signed Up"}


def test_a_deeply_nested_body_does_not_poison_the_journal(heap_mock: MockClient) -> None:
    # Issue 11: a body nested 252 to 1,024 levels deep was refused but journaled, and from then on
    # GET /_mock/requests answered 500 (the JSON encoder's recursion limit) until a reset.
    for depth in (252, 600, 1024, 1100):
        nested = "[" * depth + "]" * depth
        assert requests.post(f"{heap_mock.url}/api/track", data=nested).status_code == 400
        assert requests.post(f"{heap_mock.url}/api/nowhere", data=nested).status_code == 404
    response = requests.get(f"{heap_mock.url}/_mock/requests", params={"order": "desc", "fields": "full"})
    assert response.status_code == 200, response.text
    entries = response.json()["requests"]
    assert len(entries) == 8
    assert entries[0]["body"] == "[" * 1100 + "]" * 1100  # shown as its text
    assert {entry["rule_id"] for entry in entries} == {"body.object", "body.json", "route.not_found"}
    assert heap_mock.post("/api/track", EVENT).status_code == 200
    assert heap_mock.requests(order="desc", limit=1)[0]["body"] == EVENT  # JSON bodies still shown as JSON


def test_the_journal_lists_summaries_and_a_row_opens_onto_the_whole_entry(heap_mock: MockClient) -> None:
    # Issue 21: each listed entry carried its body, so a page of bulk requests took 396 ms at 1M events.
    bulk = {"app_id": "11", "events": [{**EVENT, "idempotency_key": f"k{i}"} for i in range(1000)]}
    refused = {"app_id": "11", "events": [{"identity": "ada"} for _ in range(3)]}  # three events without a name
    warned = {**EVENT, "properties": {"blocked": False}}  # a boolean: accepted with a warning (fidelity observed)
    for body in (bulk, refused, warned):
        heap_mock.post("/api/track", body)
    listed = requests.get(f"{heap_mock.url}/_mock/requests", params={"order": "desc"}, timeout=10).json()["requests"]
    assert all("body" not in entry and "violations" not in entry and "warnings" not in entry for entry in listed)
    warned_row, refused_row, bulk_row = listed
    assert bulk_row["body_bytes"] == len(json.dumps(bulk).encode()) and bulk_row["stored_events"] == 1000
    assert (refused_row["status"], refused_row["violation_count"], "\n" in refused_row["message"]) == (400, 3, False)
    assert (warned_row["warning_count"], warned_row["warned_rules"]) == (1, ["properties.boolean"])
    opened = heap_mock.request(refused_row["id"])
    assert opened["body"] == refused and len(opened["violations"]) == 3 and opened["message"].count("\n") == 2
    assert heap_mock.request(bulk_row["id"])["body"] == bulk
    assert [entry["body"] for entry in heap_mock.requests(order="desc")] == [warned, refused, bulk]  # fields=full
    wrong = requests.get(f"{heap_mock.url}/_mock/requests", params={"fields": "bodies"}, timeout=10)
    assert wrong.status_code == 400 and "'fields'" in wrong.json()["message"]
    gone = requests.get(f"{heap_mock.url}/_mock/requests/req-424242", timeout=10)
    assert (gone.status_code, gone.json()["rule_id"]) == (404, "control.not_found")


def test_the_event_store_drops_the_oldest_past_max_events_and_counts_them() -> None:
    with HeapMockServer(config={"max_events": 3, "log_requests": False, "limits_enabled": False}) as server:
        client = MockClient(server.url)
        bulk = {"app_id": "11", "events": [{"identity": f"u{i}", "event": f"E{i}", "idempotency_key": f"k{i}"} for i in range(5)]}
        assert client.post("/api/track", bulk).status_code == 200
        assert [event["event"] for event in client.events()] == ["E2", "E3", "E4"]
        counts = client.health()["counts"]
        assert (counts["events"], counts["events_dropped"]) == (3, 2)
        # The counts and pages by value drop them too; a dropped event's key no longer blocks a resend.
        page = requests.get(f"{server.url}/_mock/events", params={"identity": "u0", "limit": 0}).json()
        assert page["total"] == 0
        assert client.post("/api/track", {"app_id": "11", "identity": "u0", "event": "E0", "idempotency_key": "k0"}).status_code == 200
        assert [event["event"] for event in client.events(order="desc", limit=1)] == ["E0"]
        assert client.health()["counts"]["events_dropped"] == 3


def test_counts_and_pages_follow_deletions(heap_mock: MockClient) -> None:
    for identity, count in (("ada", 3), ("bob", 2)):
        for index in range(count):
            assert heap_mock.post("/api/track", {**EVENT, "identity": identity, "event": f"E{index}"}).status_code == 200
    heap_mock.post("/api/v1/identify", {"app_id": "11", "identity": "bob", "user_id": "42"})
    token = heap_mock.post("/api/public/v0/auth_token", auth=("11", "key")).json()["access_token"]
    deleted = heap_mock.post("/api/public/v0/user_deletion", {"users": [{"identity": "ada"}]}, headers={"Authorization": f"Bearer {token}"})
    assert deleted.status_code == 201
    totals = {name: requests.get(f"{heap_mock.url}/_mock/events", params={**query, "limit": 0}).json()["total"]
              for name, query in {"all": {}, "ada": {"identity": "ada"}, "bob": {"identity": "bob"}, "E0": {"event": "E0"}}.items()}
    assert totals == {"all": 2, "ada": 0, "bob": 2, "E0": 1}
    assert [e["event"] for e in heap_mock.events(order="desc", offset=1, limit=1)] == ["E0"]
    assert heap_mock.users() == [{"app_id": "11", "identity": "bob", "properties": {}, "user_ids": ["42"]}]


def test_journal_counts_by_status_and_rule_agree_with_the_entries(heap_mock: MockClient) -> None:
    heap_mock.post("/api/track", EVENT)
    heap_mock.post("/api/track", {"app_id": "x"})
    heap_mock.add_fault(path="/api/track", status=503, times=1)
    heap_mock.post("/api/track", EVENT)
    entries = heap_mock.requests()
    for query in ({"status": 200}, {"status": 400}, {"status": 503}, {"rule_id": "fault.injected"}, {"path": "/api/track", "status": 400}):
        page = requests.get(f"{heap_mock.url}/_mock/requests", params={**query, "limit": 0}).json()
        expected = [e for e in entries if all(str(e[key]) == str(value) for key, value in query.items())]
        assert page == {"requests": [], "total": len(expected)}, query


def test_a_refused_request_is_journaled_as_plain_data() -> None:
    # A journal entry used to keep the exception object (and through it every violation), which the
    # garbage collector then had to track; now it keeps the rule ID, the message and their details.
    with HeapMockServer(config={"log_requests": False}) as server:
        assert requests.post(f"{server.url}/api/track", json={"app_id": "x", "events": [{"event": "E"}]}).status_code == 400
        gc.collect()
        (entry,) = server.simulator.state.journal.entries()
        assert not gc.is_tracked(entry)
        assert all(isinstance(field, (str, bytes, int, float, type(None))) for field in entry)
        (shown,) = MockClient(server.url).requests()
        assert shown["rule_id"] == "app_id.numeric" and shown["violations"][0]["rule_id"] == "app_id.numeric"
