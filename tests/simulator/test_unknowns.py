"""Heap's undocumented answers as config: the throttle answer and the success bodies, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from heap_mock.config import Config, ConfigError
from heap_mock.server import HeapMockServer

TRACK = {"app_id": "11", "identity": "a", "event": "E"}


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[HeapMockServer]:
    config = {"log_requests": False, "limits": {"track": {"limit": 1, "window_s": 30}}, **request.param}
    with HeapMockServer(config=config) as running:
        requests.post(f"{running.url}/_mock/clock", json={"set": "2026-01-01T00:00:00Z"}, timeout=5)  # virtual: no time passes
        yield running


def throttled(server: HeapMockServer) -> requests.Response:
    assert requests.post(f"{server.url}/api/track", json=TRACK, timeout=5).status_code < 300
    return requests.post(f"{server.url}/api/track", json=TRACK, timeout=5)


@pytest.mark.parametrize("server", [{}], indirect=True)
def test_the_default_throttle_answer_is_unchanged(server: HeapMockServer) -> None:
    answer = throttled(server)
    assert (answer.status_code, answer.headers["Content-Type"]) == (429, "text/plain; charset=utf-8")
    assert 1 <= int(answer.headers["Retry-After"]) <= 30 and answer.text.startswith("Too Many Requests: limit.track")


@pytest.mark.parametrize(
    ("server", "status", "retry_after", "content_type"),
    [
        ({"throttle_retry_after": "none"}, 429, None, "text/plain; charset=utf-8"),
        ({"throttle_retry_after": "milliseconds"}, 429, "30000", "text/plain; charset=utf-8"),
        ({"throttle_body": "json", "throttle_status": 503}, 503, "30", "application/json"),
        ({"throttle_body": "empty"}, 429, "30", "text/plain; charset=utf-8"),
    ],
    indirect=["server"],
)
def test_the_throttle_answer_takes_its_configured_shape(server: HeapMockServer, status: int, retry_after: str | None, content_type: str) -> None:
    answer = throttled(server)
    assert (answer.status_code, answer.headers.get("Retry-After"), answer.headers["Content-Type"]) == (status, retry_after, content_type)
    if content_type == "application/json":
        assert answer.json() == {"error": "Too Many Requests", "message": answer.json()["message"], "rule_id": "limit.track", "retry_after": 30}
    journal = requests.get(f"{server.url}/_mock/requests", params={"rule_id": "limit.track"}, timeout=5).json()["requests"]
    assert [entry["status"] for entry in journal] == [status]


@pytest.mark.parametrize(("server", "body", "content_type"), [({"success_body": "OK"}, b"OK", "text/plain"), ({"success_body": ""}, b"", "text/plain")], indirect=["server"])
def test_the_success_body_of_the_undocumented_endpoints_is_configurable(server: HeapMockServer, body: bytes, content_type: str) -> None:
    for path, payload in (
        ("/api/track", TRACK),
        ("/api/add_user_properties", {"app_id": "11", "identity": "a", "properties": {"p": 1}}),
        ("/api/v1/identify", {"app_id": "11", "identity": "a", "user_id": "5"}),
    ):
        answer = requests.post(f"{server.url}{path}", json=payload, timeout=5)
        assert (answer.status_code, answer.content, answer.headers["Content-Type"].split(";")[0]) == (200, body, content_type), path
    documented = requests.post(f"{server.url}/api/add_account_properties", json={"app_id": "11", "account_id": "x"}, timeout=5)
    assert documented.text == "OK"  # D-aap documents `OK`, whatever the setting


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"throttle_status": 200}, "config.throttle_status must be an HTTP error status from 400 to 599, got the number 200"),
        ({"throttle_retry_after": "minutes"}, 'config.throttle_retry_after must be "seconds", "milliseconds" or "none", got the text \'minutes\''),
        ({"throttle_body": "xml"}, "config.throttle_body must be"),
        ({"success_body": "{ }"}, "config.success_body must be"),
    ],
)
def test_a_wrong_setting_is_refused_by_name(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        Config.from_mapping(values)
    assert str(refused.value).startswith(message)
