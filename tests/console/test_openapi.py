"""GET /openapi.json stays true: the app's routes are its paths, and real exchanges validate."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from heap_mock.docs.openapi import openapi_document
from heap_mock.routes import API_ROUTES
from heap_mock.testing import MockClient

SPEC_URI = "urn:heap-sim:openapi"
SPEC = openapi_document()
REGISTRY = Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(SPEC))


def pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def errors_at(location: str, instance: Any) -> list[str]:
    """Every way `instance` breaks the schema at `location` (a JSON pointer into the spec)."""
    validator = Draft202012Validator({"$ref": f"{SPEC_URI}#/{location}"}, registry=REGISTRY)
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in validator.iter_errors(instance)]


def spec_operations() -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, item in SPEC["paths"].items() for method in item}


def app_operations() -> set[tuple[str, str]]:
    """Every route of the one route table but the console's files."""
    return {(route.template, route.method) for route in API_ROUTES}


def test_every_route_is_described() -> None:
    missing = app_operations() - spec_operations()
    assert not missing, f"routes without an OpenAPI operation: {sorted(missing)}"


def test_every_described_operation_is_a_route() -> None:
    stale = spec_operations() - app_operations()
    assert not stale, f"OpenAPI operations with no route: {sorted(stale)}"


def test_the_document_is_openapi_3_1_with_valid_schemas_and_unique_operation_ids() -> None:
    assert SPEC["openapi"].startswith("3.1")
    for schema in SPEC["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)  # raises SchemaError naming the fault
    ids = [op["operationId"] for item in SPEC["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


def test_every_ref_resolves() -> None:
    refs = list(iter_refs(SPEC))
    assert refs, "the document has no $ref at all"
    for target in refs:
        name = target.removeprefix("#/components/schemas/")
        assert name in SPEC["components"]["schemas"], f"dangling $ref {target}"


def iter_refs(node: Any) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from iter_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from iter_refs(value)


# --- real exchanges -------------------------------------------------------------------------

def check_exchange(method: str, path_template: str, response: requests.Response, body: Any = None) -> None:
    """The request body (if any) and the answer match what the document says of this operation."""
    operation = SPEC["paths"][path_template][method.lower()]
    if body is not None and response.status_code < 300:
        assert errors_at(pointer("paths", path_template, method.lower(), "requestBody", "content", "application/json", "schema"), body) == []
    status = str(response.status_code)
    described = operation["responses"].get(status)
    assert described is not None or "default" in operation["responses"], f"{method} {path_template} answered undocumented {status}"
    key = status if described is not None else "default"
    media_type = response.headers["Content-Type"].split(";")[0]
    assert media_type in operation["responses"][key]["content"], f"{method} {path_template} {status} answered {media_type}"
    for header in operation["responses"][key].get("headers", {}):
        assert header in response.headers, f"{method} {path_template} {status} lacks the documented {header} header"
    if media_type == "application/json":
        location = pointer("paths", path_template, method.lower(), "responses", key, "content", media_type, "schema")
        assert errors_at(location, response.json()) == [], f"{method} {path_template} {status}"


SINGLE = {"app_id": "11", "identity": "alice", "event": "Signed Up", "properties": {"plan": "gold", "seats": 3, "tags": ["a", "b"]}}
HEAP_EXCHANGES = [
    ("/api/integrations/track", {"app_id": "11", "library": "Segment", "events": [{"event": "E", "user_identifier": {"anonymous_id": "anon-1"}, "custom_properties": {"p": 1}}]}, 200),
    ("/api/integrations/track", {"app_id": "11", "events": [{"event": "E"}]}, 400),
    ("/api/integrations/add_user_properties", {"app_id": "11", "users": [{"user_identifier": {"email": "a@b.c"}, "properties": {"p": "v"}}]}, 200),
    ("/api/track", SINGLE, 200),
    ("/api/track", {"app_id": 11, "events": [{"user_id": "42", "event": "Viewed", "timestamp": "2026-01-01T00:00:00Z", "session_id": "s", "idempotency_key": "k"}]}, 200),
    ("/api/track", {"app_id": "11", "identity": "alice"}, 400),
    ("/api/track", {"app_id": "x", "identity": "alice", "event": "E"}, 400),
    ("/api/track", {"app_id": "11", "identity": "alice", "user_id": "1", "event": "E"}, 400),
    ("/api/track", {"app_id": "11", "events": []}, 400),
    ("/api/add_user_properties", {"app_id": "11", "identity": "alice", "properties": {"plan": "gold"}}, 200),
    ("/api/add_user_properties", {"app_id": "11", "users": [{"identity": "bob", "properties": {"age": 30}}]}, 200),
    ("/api/add_user_properties", {"app_id": "11", "properties": {"plan": "gold"}}, 400),
    ("/api/add_user_properties", {"app_id": "11", "identity": "alice", "properties": {"ok": None}}, 400),
    ("/api/add_account_properties", {"app_id": "11", "account_id": "acme", "properties": {"tier": "gold"}}, 200),
    ("/api/add_account_properties", {"app_id": "11", "accounts": [{"account_id": "acme", "properties": {"seats": 5}}]}, 200),
    ("/api/add_account_properties", {"app_id": "11", "properties": {"tier": "gold"}}, 400),
    ("/api/v1/identify", {"app_id": "11", "identity": "alice", "user_id": "7"}, 200),
    ("/api/v1/identify", {"app_id": "11", "identity": "alice"}, 400),
]


@pytest.mark.parametrize(("path", "body", "status"), HEAP_EXCHANGES, ids=[f"{p}-{s}-{i}" for i, (p, _, s) in enumerate(HEAP_EXCHANGES)])
def test_heap_exchanges_match_the_document(heap_mock: MockClient, path: str, body: Any, status: int) -> None:
    response = heap_mock.post(path, body)
    assert response.status_code == status, response.text
    check_exchange("POST", path, response, body)


@pytest.mark.parametrize(("path", "body", "status"), HEAP_EXCHANGES, ids=[f"{p}-{s}-{i}" for i, (p, _, s) in enumerate(HEAP_EXCHANGES)])
def test_request_schema_accepts_what_the_simulator_accepts_and_refuses_the_rest(path: str, body: Any, status: int) -> None:
    errors = errors_at(pointer("paths", path, "post", "requestBody", "content", "application/json", "schema"), body)
    assert (errors == []) == (status == 200), errors


def test_a_throttled_track_and_an_injected_fault_match_the_document(heap_mock: MockClient) -> None:
    answers = [heap_mock.post("/api/track", SINGLE) for _ in range(31)]
    assert answers[-1].status_code == 429
    check_exchange("POST", "/api/track", answers[-1])
    heap_mock.add_fault(path="/api/v1/identify", status=503, retry_after=1, times=1)
    faulted = heap_mock.post("/api/v1/identify", {"app_id": "11", "identity": "alice", "user_id": "7"})
    assert faulted.status_code == 503
    check_exchange("POST", "/api/v1/identify", faulted)


def test_the_deletion_flow_matches_the_document(heap_mock: MockClient) -> None:
    basic = base64.b64encode(b"11:secret").decode()
    token = heap_mock.post("/api/public/v0/auth_token", headers={"Authorization": f"Basic {basic}"})
    check_exchange("POST", "/api/public/v0/auth_token", token)
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    body = {"users": [{"identity": "alice"}, {"user_id": 7}]}
    created = heap_mock.post("/api/public/v0/user_deletion", body, headers=bearer)
    assert created.status_code == 201
    check_exchange("POST", "/api/public/v0/user_deletion", created, body)
    template = "/api/public/v0/deletion_status/{deletion_id}"
    status = requests.get(f"{heap_mock.url}/api/public/v0/deletion_status/{created.json()['deletion_request_id']}", headers=bearer)
    check_exchange("GET", template, status)
    missing = requests.get(f"{heap_mock.url}/api/public/v0/deletion_status/nope", headers=bearer)
    assert missing.status_code == 404
    check_exchange("GET", template, missing)
    check_exchange("GET", template, requests.get(f"{heap_mock.url}/api/public/v0/deletion_status/nope"))


def populate(client: MockClient) -> None:
    """One of everything the /_mock/ answers can hold: events, users, accounts, refusals, a fault."""
    client.post("/api/track", SINGLE)
    client.post("/api/track", {"app_id": "11", "events": [{"user_id": "42", "event": "Bulk"}]})
    client.post("/api/track", {"app_id": "11", "identity": "alice"})
    client.post("/api/add_account_properties", {"app_id": "11", "account_id": "acme", "properties": {"tier": "gold"}})
    client.post("/api/v1/identify", {"app_id": "11", "identity": "alice", "user_id": "7"})
    for _ in range(31):
        client.post("/api/add_user_properties", {"app_id": "11", "identity": "alice", "properties": {"n": 1}})
    client.add_fault(path="/api/*", status=500, times=1, seed=3, probability=1.0)
    client.post("/api/track", SINGLE)
    client.add_fault(path="/api/track", delay_ms=1)


def example_value(schema: dict[str, Any]) -> Any:
    if "enum" in schema:
        return schema["enum"][-1]
    return {"integer": 0, "string": "11"}.get(schema.get("type", "string"), "11")


def mock_gets() -> list[str]:
    """The /_mock/ GETs without path parameters (those are checked with a real ID below)."""
    return [path for path, item in SPEC["paths"].items() if path.startswith("/_mock/") and "get" in item and "{" not in path]


def test_journal_entries_whole_and_missing_match_the_document(heap_mock: MockClient) -> None:
    populate(heap_mock)
    template = "/_mock/requests/{request_id}"
    for summary in heap_mock.requests(fields="summary"):
        whole = requests.get(f"{heap_mock.url}/_mock/requests/{summary['id']}")
        check_exchange("GET", template, whole)
        assert {key: value for key, value in whole.json().items() if key in summary and key != "message"} == {
            key: value for key, value in summary.items() if key != "message"}
    missing = requests.get(f"{heap_mock.url}/_mock/requests/req-999999")
    assert missing.status_code == 404
    check_exchange("GET", template, missing)


@pytest.mark.parametrize("path", mock_gets())
def test_mock_answers_match_the_document_with_and_without_every_parameter(heap_mock: MockClient, path: str) -> None:
    populate(heap_mock)
    plain = requests.get(f"{heap_mock.url}{path}")
    assert plain.status_code == 200
    check_exchange("GET", path, plain)
    parameters = SPEC["paths"][path]["get"].get("parameters", [])
    params = {p["name"]: example_value(p["schema"]) for p in parameters}
    filtered = requests.get(f"{heap_mock.url}{path}", params=params)
    assert filtered.status_code == 200, filtered.text
    check_exchange("GET", path, filtered)


def test_the_event_page_holds_real_events_that_validate(heap_mock: MockClient) -> None:
    populate(heap_mock)
    page = requests.get(f"{heap_mock.url}/_mock/events", params={"order": "desc", "limit": "5"}).json()
    assert page["total"] == 2 and len(page["events"]) == 2  # the third track met the fault
    assert errors_at("components/schemas/EventsPage", page) == []
    assert errors_at("components/schemas/EventsPage", {**page, "extra": 1}) != []


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/_mock/clock", {"advance": 30}, 200),
        ("POST", "/_mock/clock", {"mode": "scaled", "rate": 60}, 200),
        ("POST", "/_mock/clock", {"mode": "fast"}, 400),
        ("POST", "/_mock/faults", {"path": "/api/track", "status": 503, "retry_after": 2, "times": 1}, 201),
        ("POST", "/_mock/faults", {"path": "/_mock/events", "status": 503}, 400),
        ("DELETE", "/_mock/faults", None, 200),
        ("POST", "/_mock/reset", None, 200),
    ],
)
def test_mock_commands_match_the_document(heap_mock: MockClient, method: str, path: str, body: Any, status: int) -> None:
    response = requests.request(method, f"{heap_mock.url}{path}", json=body)
    assert response.status_code == status, response.text
    check_exchange(method, path, response, body)


def test_the_document_and_the_console_are_served(heap_mock: MockClient) -> None:
    served = requests.get(f"{heap_mock.url}/openapi.json")
    assert served.json() == SPEC
    check_exchange("GET", "/openapi.json", served)
    page = requests.get(f"{heap_mock.url}/")
    check_exchange("GET", "/", page)
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert heap_mock.requests() == [], "the console's own pages are not Heap traffic"


def test_fault_limits_in_the_document_are_the_ones_the_server_checks(heap_mock: MockClient) -> None:
    # The description allowed fault statuses from 100 while the server refused below 200.
    schema = SPEC["components"]["schemas"]
    fault = next(value for name, value in schema.items() if name.startswith("Fault") and "status" in value.get("properties", {}))
    status = fault["properties"]["status"]
    bounds = next(option for option in status.get("anyOf", [status]) if option.get("type") == "integer")
    low, high = bounds["minimum"], bounds["maximum"]
    for value, accepted in ((low - 1, False), (low, True), (high, True), (high + 1, False)):
        response = requests.post(f"{heap_mock.url}/_mock/faults", json={"path": "/api/track", "status": value})
        assert (response.status_code == 201) is accepted, (value, response.text)
    heap_mock.clear_faults()


# Issue 17: the document said a property value is a string or a number, while the default fidelity
# accepts a boolean (with a warning). Each fidelity's document must say what that server does.
FIDELITY_CASES = [
    ("/api/track", {"app_id": "11", "identity": "a", "event": "E", "properties": {"flag": True}}),
    ("/api/track", {"app_id": "11", "identity": "a", "event": "E", "properties": {"long": "x" * 1024}}),
    ("/api/add_user_properties", {"app_id": "11", "identity": "a", "properties": {"Id": "7"}}),
]


@pytest.mark.parametrize(("path", "body"), FIDELITY_CASES, ids=["boolean", "1024 characters", "a user property named Id"])
def test_each_fidelitys_served_document_accepts_exactly_what_that_server_accepts(
    heap_mock: MockClient, documented: MockClient, path: str, body: Any
) -> None:
    for client in (heap_mock, documented):
        served = requests.get(f"{client.url}/openapi.json", timeout=10).json()
        registry = Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(served))
        schema = {"$ref": f"{SPEC_URI}#/{pointer('paths', path, 'post', 'requestBody', 'content', 'application/json', 'schema')}"}
        described = Draft202012Validator(schema, registry=registry).is_valid(body)
        accepted = client.post(path, body).status_code == 200
        assert described == accepted == (client is heap_mock), client.config()["fidelity"]
