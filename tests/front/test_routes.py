"""heap-forward serve over real HTTP: every route, every credential case, bad input, CORS."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests

from heap_facts.wire import LINEAGE_HEADER
from tests.front.conftest import AUTH, FrontFactory, FrontUnderTest, batch, custom

WEB_EVENT_PATHS = ["/v3/JS/web-key/events", "/webevents/v3/JS/web-key/events"]
IDENTITY_PREFIXES = ["/v1", "/identity/v1"]


def test_one_batch_is_answered_202_and_its_events_reach_heap(front: FrontUnderTest) -> None:
    response = front.post("/v2/events", batch(custom("Played Song", genre="jazz")))
    assert response.status_code == 202
    assert response.content == b""
    front.settle()
    [event] = front.heap.events()
    assert (event["identity"], event["event"], event["properties"]) == (
        "42",
        "Played Song",
        {"genre": "jazz", "event_type": "navigation"},
    )


def test_a_bulk_upload_delivers_every_batch_in_order(front: FrontUnderTest) -> None:
    batches = [batch(custom(f"Step {n}"), mpid=str(100 + n % 3)) for n in range(9)]
    assert front.post("/v2/bulkevents", batches).status_code == 202
    front.settle()
    for identity in ("100", "101", "102"):
        names = [event["event"] for event in front.heap.events(identity=identity)]
        assert names == [f"Step {n}" for n in range(9) if str(100 + n % 3) == identity]


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (None, "missing credentials"),
        ("Bearer abc", "malformed credentials"),
        ("Basic !!!", "not base64"),
        ("Basic " + base64.b64encode(b"no-colon").decode(), "key:secret"),
        ("Basic " + base64.b64encode(b":secret").decode(), "non-empty key"),
        ("Basic " + base64.b64encode(b"\xff\xfe:x").decode(), "UTF-8"),
    ],
)
def test_missing_or_malformed_credentials_get_401(front: FrontUnderTest, authorization: str | None, message: str) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = front.post("/v2/events", batch(custom()), auth=None, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert message in response.json()["errors"][0]["message"]
    front.settle()
    assert front.heap.events() == []


def test_a_configured_key_and_secret_are_required(make_front: FrontFactory) -> None:
    front = make_front(api_key="mine", api_secret="s3cret")
    assert front.post("/v2/events", batch(custom()), auth=("other", "s3cret")).status_code == 401
    assert front.post("/v2/events", batch(custom()), auth=("mine", "wrong")).status_code == 401
    assert front.post(WEB_EVENT_PATHS[0], batch(custom()), auth=None).status_code == 401  # web-key is not "mine"
    assert front.post("/v3/JS/mine/events", batch(custom()), auth=None).status_code == 202
    assert front.post("/v2/events", batch(custom()), auth=("mine", "s3cret")).status_code == 202


@pytest.mark.parametrize(
    ("path", "body", "where"),
    [
        ("/v2/events", b"", "$"),
        ("/v2/events", b"{not json", "$"),
        ("/v2/events", b"[]", "$"),
        ("/v2/events", b'{"events": {"a": 1}}', "$.events"),
        ("/v2/events", b'{"events": [{"data": {}}]}', "$.events[0].event_type"),
        ("/v2/events", b'{"events": [{"event_type": "custom_event", "data": 3}]}', "$.events[0].data"),
        ("/v2/bulkevents", b'{"events": []}', "$"),
        ("/v2/bulkevents", b"[]", "$"),
        ("/v2/bulkevents", b'[{"events": []}, {"events": [{"event_type": "custom_event"}]}]', "$[1].events[0].data"),
        ("/v3/JS/k/events", b'{"events": [7]}', "$.events[0]"),
    ],
)
def test_bad_input_gets_400_naming_the_json_path(front: FrontUnderTest, path: str, body: bytes, where: str) -> None:
    response = front.http.post(front.url + path, data=body, auth=AUTH, timeout=10)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["code"], error["path"]) == ("BAD_REQUEST", where)
    assert front.batches()[0]["status"] == "refused"
    assert front.batches()[0]["refused"]["path"] == where


def test_a_bulk_upload_with_one_broken_batch_is_refused_whole(front: FrontUnderTest) -> None:
    good = batch(custom("Fine"))
    broken = {"mpid": "42", "events": [{"event_type": "custom_event", "data": None}]}
    response = front.post("/v2/bulkevents", [good, good, broken])
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "$[2].events[0].data"
    front.settle()
    assert front.heap.events() == []
    assert [entry["status"] for entry in front.batches()] == ["refused"]


def test_more_than_100_batches_in_one_bulk_upload_are_refused(front: FrontUnderTest) -> None:
    response = front.post("/v2/bulkevents", [batch(custom())] * 101)
    assert response.status_code == 400
    assert "at most 100" in response.json()["errors"][0]["message"]


def test_unknown_paths_wrong_methods_and_huge_bodies_get_json_errors(front: FrontUnderTest) -> None:
    missing = front.http.post(front.url + "/v2/nothing", data=b"{}", timeout=10)
    assert (missing.status_code, missing.json()["errors"][0]["code"]) == (404, "NOT_FOUND")
    wrong = front.http.get(front.url + "/v2/events", timeout=10)
    assert wrong.status_code == 405
    assert "POST" in wrong.headers["Allow"]
    huge = front.http.post(front.url + "/v2/events", data=b" " * (9 * 1024 * 1024), auth=AUTH, timeout=30)
    assert (huge.status_code, huge.json()["errors"][0]["code"]) == (413, "PAYLOAD_TOO_LARGE")


@pytest.mark.parametrize("path", WEB_EVENT_PATHS)
def test_web_sdk_batches_are_accepted_at_both_url_styles_with_cors(front: FrontUnderTest, path: str) -> None:
    body = batch(custom("Web Click"), device_info={"platform": "web"})
    response = front.http.post(
        front.url + path,
        data=repr_json(body),
        headers={"Origin": "http://localhost:5000", "Content-Type": "text/plain;charset=UTF-8"},
        timeout=10,
    )
    assert response.status_code == 202
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:5000"
    front.settle()
    assert [event["event"] for event in front.heap.events()] == ["Web Click"]


def test_only_the_web_sdk_paths_answer_cors(front: FrontUnderTest) -> None:
    origin = {"Origin": "http://localhost:5000"}
    events_api = front.post("/v2/events", batch(custom()), headers=origin)
    assert "Access-Control-Allow-Origin" not in events_api.headers
    own = front.http.get(front.url + "/_front/api/batches", headers=origin, timeout=10)
    assert "Access-Control-Allow-Origin" not in own.headers
    preflight = front.http.options(
        front.url + "/identity/v1/identify",
        headers={**origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-mp-key"},
        timeout=10,
    )
    assert preflight.status_code == 204
    assert "x-mp-key" in preflight.headers["Access-Control-Allow-Headers"]
    no_preflight = front.http.options(
        front.url + "/v2/events", headers={**origin, "Access-Control-Request-Method": "POST"}, timeout=10
    )
    assert "Access-Control-Allow-Origin" not in no_preflight.headers


@pytest.mark.parametrize("prefix", IDENTITY_PREFIXES)
def test_identity_calls_give_a_stable_mpid_per_identity_set(front: FrontUnderTest, prefix: str) -> None:
    def call(method: str, **known: str) -> dict[str, Any]:
        response = front.http.post(
            f"{front.url}{prefix}/{method}", json={"known_identities": known}, headers={"x-mp-key": "k"}, timeout=10
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    anonymous = call("identify", device_application_stamp="browser-1")
    logged_in = call("login", customerid="cust-9", device_application_stamp="browser-1")
    again = call("identify", customerid="cust-9", email="a@example.com", device_application_stamp="browser-2")
    logged_out = call("logout", device_application_stamp="browser-1")
    assert anonymous["is_logged_in"] is False and logged_in["is_logged_in"] is True
    assert again["mpid"] == logged_in["mpid"] != anonymous["mpid"]
    assert logged_out["mpid"] == anonymous["mpid"]
    assert set(logged_in) >= {"mpid", "context", "is_logged_in", "is_ephemeral", "matched_identities"}
    modify = front.http.post(
        f"{front.url}{prefix}/{logged_in['mpid']}/modify",
        json={"identity_changes": [{"old_value": None, "new_value": "b@example.com", "identity_type": "email"}]},
        headers={"x-mp-key": "k"},
        timeout=10,
    )
    assert modify.json() == {"change_results": [{"identity_type": "email", "modified_mpid": logged_in["mpid"]}]}


def test_identity_errors_use_the_shape_the_web_sdk_reads(front: FrontUnderTest) -> None:
    no_key = front.http.post(front.url + "/v1/identify", json={"known_identities": {}}, timeout=10)
    assert no_key.status_code == 401
    bad = front.http.post(front.url + "/v1/login", json={"known_identities": {"email": 5}}, headers={"x-mp-key": "k"}, timeout=10)
    assert bad.status_code == 400
    assert bad.json()["Errors"][0]["path"] == "$.known_identities.email"


def test_lineage_travels_to_the_simulator_as_a_link_back_to_the_front(front: FrontUnderTest) -> None:
    response = front.post("/v2/events", batch(custom("First"), {"event_type": "crash_report", "data": {}}, custom("Second")))
    front.settle()
    batch_link = response.headers[LINEAGE_HEADER]
    assert batch_link.startswith(front.url + "/_front/pipeline#batch-")
    second = front.heap.events(event="Second")[0]
    assert second["lineage"] == batch_link.replace("#batch-1", "#batch-1-event-2")
    journal = [entry for entry in front.heap.requests() if entry["path"] == "/api/track"]
    assert [entry["lineage"].rsplit("#", 1)[1] for entry in journal] == ["batch-1-event-0", "batch-1-event-2"]


def repr_json(body: Any) -> bytes:
    import json

    return json.dumps(body).encode()


def test_the_own_pages_refuse_other_hosts_and_cross_site_writes(front: FrontUnderTest) -> None:
    rebound = front.http.get(front.url + "/_front/api/batches", headers={"Host": "evil.example"}, timeout=10)
    assert rebound.status_code == 403
    cross_site = front.http.post(
        front.url + "/_front/api/recording", json={"recording": False}, headers={"Origin": "http://evil.example"}, timeout=10
    )
    assert cross_site.status_code == 403
    same_origin = front.http.post(
        front.url + "/_front/api/recording", json={"recording": False}, headers={"Origin": front.url}, timeout=10
    )
    assert same_origin.status_code == 200
    assert (
        requests.get(front.url + "/_front/pipeline", timeout=10)
        .headers["Content-Security-Policy"]
        .startswith("default-src 'none'")
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"recording": "yes"}, "recording must be true or false, got the text 'yes'"),
        ({}, "recording must be true or false, got null"),
        ({"recording": True, "dir": "/tmp"}, "body.dir is unknown; known: recording"),
        ([True], "body must be an object, got a list"),
    ],
)
def test_a_bad_recording_switch_is_a_400_naming_the_field(front: FrontUnderTest, body: Any, message: str) -> None:
    # The front's one control write is checked as the simulator's are (heap_facts.fields), naming the field and what came.
    answer = front.http.post(front.url + "/_front/api/recording", json=body, headers={"Origin": front.url}, timeout=10)
    assert (answer.status_code, answer.json()["message"]) == (400, message)
    assert front.http.get(front.url + "/_front/api/status", timeout=10).json()["recording"]["recording"] is False


@pytest.mark.parametrize("limit", ["²", "①", "1" * 5000, "-1", "1001"])
def test_a_batches_limit_that_is_not_a_small_whole_number_is_a_400_naming_it(front: FrontUnderTest, limit: str) -> None:
    # Issue 18: str.isdigit() passed "²" and "①", and int() then raised: a 500.
    answer = requests.get(f"{front.url}/_front/api/batches", params={"limit": limit}, timeout=10)
    assert answer.status_code == 400
    assert answer.json()["rule_id"] == "query.parameter" and "'limit'" in answer.json()["message"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/identify", b'{"known_identities": {"\\ud800": 5}}'),
        ("/v1/identify", b'{"known_identities": {"customerid": "\\ud800"}}'),
        ("/v1/42/modify", b'{"identity_changes": [{"identity_type": "\\ud800", "new_value": "x"}]}'),
        ("/v2/events", '{"mpid": "42", "events": []}'.encode("utf-16")),
    ],
    ids=["surrogate key", "surrogate value", "surrogate identity type", "a UTF-16 body"],
)
def test_what_heaps_json_cannot_carry_is_refused_at_the_door_and_lineage_still_renders(front: FrontUnderTest, path: str, body: bytes) -> None:
    # Issue 18: a lone surrogate in an identity call answered 500, or was kept and blanked the lineage page.
    answer = front.http.post(front.url + path, data=body, headers={"x-mp-key": "k", "Content-Type": "application/json"}, auth=AUTH, timeout=10)
    assert answer.status_code == 400
    errors = answer.json()["Errors" if "/v1/" in path else "errors"]
    assert errors[0]["path"] == "$" and "not valid JSON" in errors[0]["message"]
    listing = front.http.get(f"{front.url}/_front/api/batches", timeout=10)
    assert listing.status_code == 200 and listing.json()["batches"]
