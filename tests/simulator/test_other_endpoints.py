"""User properties, account properties, identify and the deletion API over real HTTP."""

from __future__ import annotations

import base64

import pytest

from heap_mock.testing import MockClient

APP = "11"


def basic(app_id: str, api_key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{app_id}:{api_key}".encode()).decode()}


def test_user_properties_merge_last_write_wins(heap_mock: MockClient) -> None:
    heap_mock.post("/api/add_user_properties", {"app_id": APP, "identity": "alice", "properties": {"Role": "Admin", "n": 1}})
    response = heap_mock.post("/api/add_user_properties", {"app_id": APP, "identity": "alice", "properties": {"Role": "User"}})
    assert (response.status_code, response.json()) == (200, {})
    assert heap_mock.users() == [{"app_id": APP, "identity": "alice", "properties": {"Role": "User", "n": 1}, "user_ids": []}]


def test_bulk_user_properties_documented_example(heap_mock: MockClient) -> None:
    body = {"app_id": "12345", "users": [
        {"identity": "alice@example.com", "properties": {"Role": "Admin", "Vertical": "Ecommerce", "email": "alice2@example2.com"}},
        {"identity": "bob@example.com", "properties": {"Role": "User", "Vertical": "Saas", "email": "bob2@example2.com"}}]}
    assert heap_mock.post("/api/add_user_properties", body).status_code == 200
    assert {u["identity"]: u["properties"]["Role"] for u in heap_mock.users()} == {"alice@example.com": "Admin", "bob@example.com": "User"}


@pytest.mark.parametrize("name", ["id", "ID", "Id", "iD"])
def test_user_property_named_any_casing_of_id_is_accepted_with_a_warning_and_not_stored(heap_mock: MockClient, name: str) -> None:
    # Under the default fidelity, `observed`; tests/simulator/test_fidelity.py covers `documented`.
    response = heap_mock.post("/api/add_user_properties", {"app_id": APP, "identity": "a", "properties": {name: "1", "ok": "2"}})
    assert response.status_code == 200
    [warning] = heap_mock.requests()[0]["warnings"]
    assert (warning["rule_id"], warning["path"]) == ("user_properties.reserved_id", f"postBody.properties.{name}")
    assert heap_mock.users()[0]["properties"] == {"ok": "2"}


def test_user_properties_need_an_identity_and_reject_arrays(heap_mock: MockClient) -> None:
    missing = heap_mock.post("/api/add_user_properties", {"app_id": APP, "properties": {"a": "b"}})
    assert (missing.status_code, missing.text.strip()) == (400, "postBody should have required property 'identity'")
    array = heap_mock.post("/api/add_user_properties", {"app_id": APP, "identity": "a", "properties": {"a": ["x"]}})
    assert "postBody.properties.a should be string or number" in array.text
    bulk = heap_mock.post("/api/add_user_properties", {"app_id": APP, "users": [{"identity": "a"}, {"properties": {}}]})
    assert "postBody.users[1] should have required property 'identity'" in bulk.text


def test_tracking_an_unknown_identity_creates_the_user(heap_mock: MockClient) -> None:
    heap_mock.post("/api/track", {"app_id": APP, "identity": "new", "event": "E"})
    assert heap_mock.users(identity="new")[0]["properties"] == {}


def test_account_properties_answer_ok_and_merge(heap_mock: MockClient) -> None:
    single = {"app_id": "123456789", "account_id": "Fake Company", "properties": {"is_in_good_standing": "true", "revenue_potential": "123456"}}
    response = heap_mock.post("/api/add_account_properties", single)
    assert (response.status_code, response.text) == (200, "OK")
    bulk = {"app_id": 123456789, "accounts": [{"account_id": "Fake Company", "properties": {"revenue_potential": "1"}},
                                              {"account_id": "Other Account", "properties": {"will_churn": "true"}}]}
    assert heap_mock.post("/api/add_account_properties", bulk).status_code == 200
    accounts = {a["account_id"]: a["properties"] for a in heap_mock.accounts()}
    assert accounts == {"Fake Company": {"is_in_good_standing": "true", "revenue_potential": "1"}, "Other Account": {"will_churn": "true"}}


def test_account_properties_need_an_account_id(heap_mock: MockClient) -> None:
    response = heap_mock.post("/api/add_account_properties", {"app_id": APP, "accounts": [{"properties": {"a": "b"}}]})
    assert (response.status_code, response.text.strip()) == (400, "postBody.accounts[0].account_id should be a non-empty string")


def test_identify_links_a_user_id_once(heap_mock: MockClient) -> None:
    first = heap_mock.post("/api/v1/identify", {"app_id": APP, "identity": "user@example.com", "user_id": "1847839267195673"})
    assert (first.status_code, first.json()) == (200, {})
    dropped = heap_mock.post("/api/v1/identify", {"app_id": APP, "identity": "other@example.com", "user_id": "1847839267195673"})
    assert dropped.status_code == 200, "D-ident: a second identity for a user_id is dropped silently"
    assert heap_mock.requests()[-1]["rule_id"] == "identify.one_identity_per_user_id"
    users = {u["identity"]: u["user_ids"] for u in heap_mock.users()}
    assert users == {"user@example.com": ["1847839267195673"]}


def test_identify_takes_10_user_ids_per_identity_per_30_days(heap_mock: MockClient) -> None:
    for user_id in range(1, 12):
        assert heap_mock.post("/api/v1/identify", {"app_id": APP, "identity": "alice", "user_id": str(user_id)}).status_code == 200
    assert heap_mock.users(identity="alice")[0]["user_ids"] == [str(n) for n in range(1, 11)]
    assert heap_mock.requests()[-1]["rule_id"] == "identify.ten_user_ids_per_identity"
    heap_mock.advance(30 * 86400)
    heap_mock.post("/api/v1/identify", {"app_id": APP, "identity": "alice", "user_id": "12"})
    assert "12" in heap_mock.users(identity="alice")[0]["user_ids"]


def test_identify_requires_user_id_and_identity(heap_mock: MockClient) -> None:
    response = heap_mock.post("/api/v1/identify", {"app_id": APP, "identity": "a"})
    assert (response.status_code, response.text.strip()) == (400, "postBody should have required property 'user_id'")


def test_deletion_flow_token_request_status(heap_mock: MockClient) -> None:
    heap_mock.post("/api/track", {"app_id": APP, "identity": "alice@email.com", "event": "E"})
    heap_mock.post("/api/track", {"app_id": APP, "identity": "carol", "event": "E"})
    token = heap_mock.session.post(f"{heap_mock.url}/api/public/v0/auth_token", headers=basic(APP, "secret"))
    assert token.status_code == 200
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    created = heap_mock.session.post(f"{heap_mock.url}/api/public/v0/user_deletion", headers=bearer,
                                     json={"users": [{"identity": "alice@email.com"}, {"user_id": 1}]})
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "pending"
    assert body["deletion_request_location"].endswith(f"/api/public/v0/deletion_status/{body['deletion_request_id']}")
    assert [e["identity"] for e in heap_mock.events()] == ["carol"]
    status_url = f"{heap_mock.url}/api/public/v0/deletion_status/{body['deletion_request_id']}"
    assert heap_mock.session.get(status_url, headers=bearer).json()["status"] == "pending"
    heap_mock.advance(60)
    assert heap_mock.session.get(status_url, headers=bearer).json() == {"deletion_request_id": body["deletion_request_id"], "status": "complete"}
    assert heap_mock.session.get(f"{heap_mock.url}/api/public/v0/deletion_status/nope", headers=bearer).status_code == 404


def test_deletion_refuses_bad_credentials_and_expired_tokens(heap_mock: MockClient) -> None:
    url = f"{heap_mock.url}/api/public/v0"
    assert heap_mock.session.post(f"{url}/auth_token").status_code == 401
    unauthorized = heap_mock.session.post(f"{url}/auth_token", headers=basic("abc", "key"))
    assert unauthorized.status_code == 401
    assert unauthorized.json()["err"]["message"]
    token = heap_mock.session.post(f"{url}/auth_token", headers=basic(APP, "key")).json()["access_token"]
    heap_mock.advance(300)
    expired = heap_mock.session.post(f"{url}/user_deletion", headers={"Authorization": f"Bearer {token}"}, json={"users": [{"user_id": 1}]})
    assert expired.status_code == 401
    assert "expired" in expired.json()["message"]


def test_deletion_users_need_exactly_one_id(heap_mock: MockClient) -> None:
    url = f"{heap_mock.url}/api/public/v0"
    token = heap_mock.session.post(f"{url}/auth_token", headers=basic(APP, "key")).json()["access_token"]
    bad = heap_mock.session.post(f"{url}/user_deletion", headers={"Authorization": f"Bearer {token}"},
                                 json={"users": [{"user_id": 1, "identity": "a"}]})
    assert (bad.status_code, bad.text.strip()) == (400, "postBody.users[0] should be an object with exactly one of 'user_id' and 'identity'")


def test_deleting_a_user_id_deletes_the_identity_it_was_linked_to(heap_mock: MockClient) -> None:
    heap_mock.post("/api/v1/identify", {"app_id": APP, "identity": "dora", "user_id": "77"})
    heap_mock.post("/api/track", {"app_id": APP, "identity": "dora", "event": "E"})
    heap_mock.post("/api/track", {"app_id": APP, "user_id": "77", "event": "Anonymous"})
    heap_mock.post("/api/track", {"app_id": "12", "identity": "dora", "event": "Other app"})
    url = f"{heap_mock.url}/api/public/v0"
    token = heap_mock.session.post(f"{url}/auth_token", headers=basic(APP, "key")).json()["access_token"]
    created = heap_mock.session.post(f"{url}/user_deletion", headers={"Authorization": f"Bearer {token}"}, json={"users": [{"user_id": 77}]})
    assert created.status_code == 201
    assert [(e["app_id"], e["event"]) for e in heap_mock.events()] == [("12", "Other app")]
    assert heap_mock.users(app_id=APP) == []
