"""Each disagreement schemathesis found between the OpenAPI description and the server, fixed on
the side Heap's docs (or, for /_mock/, our own rules) say is wrong, and kept fixed: the server's
answer over real HTTP and the description's verdict on the same request must agree.

Heap's side: `null` is a value, not an absence (Heap answers in ajv's words, and ajv refuses null
where an object, string or number is wanted), and a whole number written `27127.0` is the number
27127 (a JavaScript reader cannot tell them apart). /_mock/: unknown fields and filter values are
refused by name, and the description states every bound the server enforces.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator

from heap_mock.testing import MockClient
from tests.console.test_openapi import REGISTRY, SPEC, SPEC_URI, pointer

EVENT = {"app_id": "11", "identity": "a", "event": "E"}
BIG_NEGATIVE = -18446744073709551614  # past the 64-bit range: JSON readers turn it into an inexact float

BODIES = [
    ("/api/track", {**EVENT, "properties": None}, 400),
    ("/api/track", {"app_id": "11", "events": [{"identity": "a", "event": "E", "properties": None}]}, 400),
    ("/api/track", {**EVENT, "timestamp": None}, 400),
    ("/api/track", {**EVENT, "identity": None, "user_id": "7"}, 400),
    ("/api/track", {**EVENT, "timestamp": "253402300800000"}, 400),  # epoch ms past the year 9999
    ("/api/track", {**EVENT, "timestamp": "253402300799999"}, 200),
    ("/api/track", {**EVENT, "app_id": 27127.0}, 200),
    ("/api/add_user_properties", {"app_id": "11", "users": [{"identity": "a", "properties": None}]}, 400),
    ("/api/add_account_properties", {"app_id": "11", "accounts": [{"account_id": 0, "properties": None}]}, 400),
    ("/api/add_account_properties", {"app_id": "11", "account_id": 2.0}, 200),
    ("/api/add_account_properties", {"app_id": "11", "account_id": BIG_NEGATIVE}, 400),
    ("/api/v1/identify", {"app_id": "11", "identity": "a", "user_id": "7", "timestamp": None}, 400),
    ("/api/v1/identify", {"app_id": "11", "identity": "a", "user_id": 4904.0}, 200),
]


def errors_at(location: str, instance: Any) -> list[str]:
    """Every way `instance` breaks the schema at `location`, formats such as date-time included."""
    validator = Draft202012Validator(
        {"$ref": f"{SPEC_URI}#/{location}"}, registry=REGISTRY, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    return [error.message for error in validator.iter_errors(instance)]


def described_body_errors(path: str, body: Any) -> list[str]:
    return errors_at(pointer("paths", path, "post", "requestBody", "content", "application/json", "schema"), body)


@pytest.mark.parametrize(("path", "body", "status"), BODIES, ids=[f"{p}-{s}-{i}" for i, (p, _, s) in enumerate(BODIES)])
def test_heap_bodies_are_taken_exactly_when_the_description_allows_them(
    heap_mock: MockClient, path: str, body: Any, status: int
) -> None:
    assert heap_mock.post(path, body).status_code == status
    assert (described_body_errors(path, body) == []) == (status == 200)


def test_whole_numbers_written_as_floats_are_stored_as_the_numbers_they_are(heap_mock: MockClient) -> None:
    assert heap_mock.post("/api/track", {**EVENT, "app_id": 27127.0, "identity": None, "user_id": 4904.0}).status_code == 400
    assert heap_mock.post("/api/track", {"app_id": 27127.0, "user_id": 4904.0, "event": "E"}).status_code == 200
    [stored] = heap_mock.events()
    assert (stored["app_id"], stored["user_id"]) == ("27127", "4904")


def test_a_deletion_of_a_null_user_id_is_refused_as_described(heap_mock: MockClient) -> None:
    basic = "Basic " + base64.b64encode(b"11:secret").decode()
    token = requests.post(f"{heap_mock.url}/api/public/v0/auth_token", headers={"Authorization": basic}, timeout=10).json()[
        "access_token"
    ]
    body = {"users": [{"identity": "a", "user_id": None}]}
    answer = requests.post(
        f"{heap_mock.url}/api/public/v0/user_deletion", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert answer.status_code == 400
    assert described_body_errors("/api/public/v0/user_deletion", body) != []


def described_query_errors(path: str, params: dict[str, str]) -> list[str]:
    """Each query parameter checked against its schema, as its described type reads it."""
    schemas = {p["name"]: p["schema"] for p in SPEC["paths"][path]["get"]["parameters"]}
    errors = []
    for name, text in params.items():
        value: Any = int(text) if schemas[name].get("type") == "integer" else text
        errors += errors_at(pointer("paths", path, "get", "parameters", str(list(schemas).index(name)), "schema"), value)
    return errors


QUERIES = [
    ("/_mock/events", {"endpoint": "AAA"}, 400),
    ("/_mock/events", {"endpoint": "bulk_track"}, 200),
    ("/_mock/users", {"offset": str(10**18)}, 400),
    ("/_mock/users", {"offset": str(10**18 - 1), "limit": str(10**18 - 1)}, 200),
    ("/_mock/requests", {"status": "-1"}, 400),
]


@pytest.mark.parametrize(("path", "params", "status"), QUERIES, ids=[f"{p}-{s}-{i}" for i, (p, _, s) in enumerate(QUERIES)])
def test_mock_queries_are_taken_exactly_when_the_description_allows_them(
    heap_mock: MockClient, path: str, params: dict[str, str], status: int
) -> None:
    assert requests.get(f"{heap_mock.url}{path}", params=params, timeout=10).status_code == status
    assert (described_query_errors(path, params) == []) == (status == 200)


COMMANDS = [
    ("/_mock/clock", {"advance": 1, "x-unknown": 42}, 400),
    ("/_mock/clock", {"mode": "scaled", "rate": 2e6}, 400),
    ("/_mock/clock", {"set": ""}, 400),
    ("/_mock/clock", {"advance": 1e300}, 409),  # well formed, and described: the clock's state rules it out
    ("/_mock/faults", {"path": "", "status": 503}, 400),
    ("/_mock/faults", {"path": "/api/track", "status": 100}, 400),
    ("/_mock/faults", {"path": "/api/track"}, 400),  # a rule that does nothing
    ("/_mock/faults", {"path": "/api/track", "status": 503.0, "drop_connection": None}, 201),
    ("/_mock/faults", {"path": "/api/track", "delay_ms": 1, "seed": -(2**63) - 1}, 400),
]


@pytest.mark.parametrize(("path", "body", "status"), COMMANDS, ids=[f"{p}-{s}-{i}" for i, (p, _, s) in enumerate(COMMANDS)])
def test_mock_commands_are_taken_exactly_when_the_description_allows_them(
    heap_mock: MockClient, path: str, body: Any, status: int
) -> None:
    assert requests.post(f"{heap_mock.url}{path}", json=body, timeout=10).status_code == status
    assert (described_body_errors(path, body) == []) == (status in (200, 201, 409))
