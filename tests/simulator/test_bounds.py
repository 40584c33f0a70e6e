"""Every store that grows with traffic is bounded, over real HTTP with small caps (issue 11: memory
stays bounded however long it runs): users and accounts (oldest created dropped and counted),
identify links (gone with their user), deletion tokens (expired ones purged as tokens come and go),
deletion records (the newest kept), and deleted users' idempotency keys (gone with their events).
Traffic goes over HTTP; what no endpoint shows (how many tokens are held) is read in-process."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from heap_mock import HeapMockServer
from heap_mock.simulator import Simulator
from heap_mock.store import deletions
from heap_mock.testing import MockClient

APP = "11"
QUIET = {"log_requests": False, "limits_enabled": False}


@pytest.fixture
def capped() -> Iterator[tuple[HeapMockServer, MockClient]]:
    config = {**QUIET, "max_users": 3, "max_accounts": 2, "max_events": 4}
    with HeapMockServer(config=config) as server:
        client = MockClient(server.url)
        client.set_clock("2026-01-01T00:00:00Z")
        yield server, client


def simulator(server: HeapMockServer) -> Simulator:
    return server.simulator


def track(client: MockClient, identity: str, **fields: Any) -> None:
    assert client.post("/api/track", {"app_id": APP, "identity": identity, "event": "E", **fields}).status_code == 200


def bearer(client: MockClient) -> dict[str, str]:
    basic = base64.b64encode(f"{APP}:key".encode()).decode()
    answer = client.session.post(f"{client.url}/api/public/v0/auth_token", headers={"Authorization": f"Basic {basic}"})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def delete(client: MockClient, identity: str) -> requests.Response:
    answer = client.session.post(f"{client.url}/api/public/v0/user_deletion", headers=bearer(client),
                                 json={"users": [{"identity": identity}]})
    assert answer.status_code == 201, answer.text
    return answer


def test_users_past_max_users_drop_the_oldest_created_and_count_it(capped: tuple[HeapMockServer, MockClient]) -> None:
    _, client = capped
    for index in range(5):
        track(client, f"u{index}")
    track(client, "u2")  # an event by a known user does not make it newer: creation order counts
    assert client.post("/api/add_user_properties", {"app_id": APP, "identity": "u5", "properties": {"plan": "pro"}}).status_code == 200
    assert [user["identity"] for user in client.users()] == ["u3", "u4", "u5"]
    counts = client.health()["counts"]
    assert (counts["users"], counts["users_dropped"]) == (3, 3)
    assert counts["events"] == 4  # the events have their own cap; a user's drop does not delete them


def test_accounts_past_max_accounts_drop_the_oldest_created_and_count_it(capped: tuple[HeapMockServer, MockClient]) -> None:
    _, client = capped
    accounts = [{"account_id": f"a{index}", "properties": {"n": index}} for index in range(4)]
    assert client.post("/api/add_account_properties", {"app_id": APP, "accounts": accounts}).status_code == 200
    assert client.post("/api/add_account_properties", {"app_id": APP, "account_id": "a2", "properties": {"n": 9}}).status_code == 200
    assert [(a["account_id"], a["properties"]["n"]) for a in client.accounts()] == [("a2", 9), ("a3", 3)]
    counts = client.health()["counts"]
    assert (counts["accounts"], counts["accounts_dropped"]) == (2, 2)


def test_a_dropped_users_identify_links_are_gone_both_ways(capped: tuple[HeapMockServer, MockClient]) -> None:
    server, client = capped
    identify = {"app_id": APP, "identity": "ada", "user_id": "42"}
    assert client.post("/api/v1/identify", identify).status_code == 200
    assert client.users(identity="ada")[0]["user_ids"] == ["42"]
    for index in range(3):
        track(client, f"u{index}")  # ada, the oldest, is dropped for room
    assert client.users(identity="ada") == []
    # user_id 42 is free again: linked to bob, where before ada's old link would have refused it.
    assert client.post("/api/v1/identify", {**identify, "identity": "bob"}).status_code == 200
    assert client.users(identity="bob")[0]["user_ids"] == ["42"]
    graph = simulator(server).state.identities.graph
    assert graph.identity_of(APP, "42") == "bob"
    assert graph.user_ids_of(APP, "ada") == []
    assert (APP, "ada") not in graph._links


def test_expired_tokens_do_not_accumulate(capped: tuple[HeapMockServer, MockClient]) -> None:
    server, client = capped
    part = simulator(server).state.deletions
    for _ in range(20):
        bearer(client)
    assert len(part.tokens) == 20
    client.advance(301)
    live = bearer(client)  # issuing one purges the expired ones
    assert len(part.tokens) == 1
    client.advance(301)
    answer = client.session.post(f"{client.url}/api/public/v0/user_deletion", headers=live, json={"users": [{"identity": "x"}]})
    assert answer.status_code == 401
    assert "expired" in answer.json()["message"]  # checking it purges it, and says why it was refused
    assert len(part.tokens) == 0


def test_only_the_newest_deletion_records_are_kept(capped: tuple[HeapMockServer, MockClient], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deletions, "MAX_DELETION_RECORDS", 2)
    _, client = capped
    ids = [delete(client, f"u{index}").json()["deletion_request_id"] for index in range(3)]
    headers = bearer(client)
    statuses = [client.session.get(f"{client.url}/api/public/v0/deletion_status/{id_}", headers=headers).status_code for id_ in ids]
    assert statuses == [404, 200, 200]


def test_a_deleted_users_idempotency_keys_go_when_their_events_would_have(capped: tuple[HeapMockServer, MockClient]) -> None:
    server, client = capped
    track(client, "ada", idempotency_key="k-ada")
    delete(client, "ada")
    track(client, "ada", idempotency_key="k-ada")  # still a duplicate: a retry of a deleted event is not stored again
    assert client.health()["counts"]["duplicates_ignored"] == 1
    for index in range(4):  # max_events 4: eviction passes the deleted event's place
        track(client, f"u{index}")
    track(client, "ada", idempotency_key="k-ada")
    assert [event["identity"] for event in client.events(identity="ada")] == ["ada"]
    assert simulator(server).state.events._deleted_keys == []


def test_deleting_every_event_as_it_comes_keeps_the_store_bounded(capped: tuple[HeapMockServer, MockClient]) -> None:
    server, client = capped
    for index in range(12):
        track(client, f"u{index}", idempotency_key=f"k{index}")
        delete(client, f"u{index}")
    store = simulator(server).state.events
    assert len(store._log.items) - store._log.head <= 2 * 4  # the places held, removed ones included
    assert sum(len(keys) for keys in store._idempotency_keys.values()) <= 2 * 4
    assert client.health()["counts"]["events"] == 0


def test_nothing_answers_500_and_the_console_still_reads_past_every_cap(capped: tuple[HeapMockServer, MockClient]) -> None:
    server, client = capped
    for index in range(10):
        assert client.post("/api/v1/identify", {"app_id": APP, "identity": f"p{index}", "user_id": f"{index}"}).status_code == 200
        track(client, f"p{index}", idempotency_key=f"k{index}")
    delete(client, "p9")
    for path in ("/_mock/health", "/_mock/users", "/_mock/accounts", "/_mock/events", "/_mock/requests", "/"):
        answer = requests.get(f"{server.url}{path}")
        assert answer.status_code == 200, (path, answer.text)
    assert [user["identity"] for user in client.users()] == ["p7", "p8"]
