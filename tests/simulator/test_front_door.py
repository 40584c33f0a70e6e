"""The WSGI front door (`heap_mock.ingress`) over real HTTP: routing edges, bodies, errors, the log.

Heap's endpoints are served there without Flask's dispatch, so what Flask used to do for them
(OPTIONS, 405 with Allow, chunked bodies, the size limit, a JSON 500 for a bug) is checked here.
"""

from __future__ import annotations

import gc
import io
from collections.abc import Iterator

import pytest
import requests

from heap_mock import HeapMockServer
from heap_mock.testing import MockClient
from http_layer.access_log import AccessLog

EVENT = {"app_id": "11", "identity": "alice", "event": "E"}


def chunks(*parts: bytes) -> Iterator[bytes]:
    """A body requests sends with Transfer-Encoding: chunked (no Content-Length)."""
    yield from parts


def test_options_on_a_heap_path_names_the_allowed_methods(heap_mock: MockClient) -> None:
    response = requests.options(f"{heap_mock.url}/api/track")
    assert (response.status_code, response.headers["Allow"]) == (200, "OPTIONS, POST")


def test_a_post_to_the_deletion_status_path_is_405_allowing_get(heap_mock: MockClient) -> None:
    response = requests.post(f"{heap_mock.url}/api/public/v0/deletion_status/abc")
    assert (response.status_code, response.json()["rule_id"]) == (405, "route.method")
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert "POST is not allowed on /api/public/v0/deletion_status/abc" in response.json()["message"]


@pytest.mark.parametrize("path", ["/api/public/v0/deletion_status/", "/api/public/v0/deletion_status/a/b", "/api/track/"])
def test_near_misses_of_heap_paths_are_404(heap_mock: MockClient, path: str) -> None:
    response = requests.post(f"{heap_mock.url}{path}", json=EVENT)
    assert (response.status_code, response.json()["rule_id"]) == (404, "route.not_found")
    assert heap_mock.events() == []


def test_a_chunked_body_is_read_and_stored(heap_mock: MockClient) -> None:
    body = chunks(b'{"app_id":"11","identity":"alice",', b'"event":"Chunked"}')
    response = requests.post(f"{heap_mock.url}/api/track", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert [e["event"] for e in heap_mock.events()] == ["Chunked"]


def test_a_chunked_body_over_the_limit_is_413_and_stores_nothing() -> None:
    with HeapMockServer(config={"max_body_bytes": 1000, "log_requests": False}) as server:
        body = chunks(b'{"app_id":"11","identity":"alice","event":"E","properties":{"p":"', b"x" * 2000, b'"}}')
        response = requests.post(f"{server.url}/api/track", data=body)
        assert (response.status_code, response.json()["rule_id"]) == (413, "body.size")
        client = MockClient(server.url)
        assert client.events() == []
        assert [r["status"] for r in client.requests()] == [413]


def test_an_unknown_non_ascii_path_is_404_naming_it_and_journaled(heap_mock: MockClient) -> None:
    response = requests.get(f"{heap_mock.url}/api/caf%C3%A9")
    assert response.status_code == 404
    assert response.json()["message"] == "no such endpoint: GET /api/café"
    assert [(r["path"], r["status"]) for r in heap_mock.requests()] == [("/api/café", 404)]


def test_a_bug_in_a_heap_view_is_a_json_500_without_traceback_and_is_journaled(monkeypatch: pytest.MonkeyPatch) -> None:
    with HeapMockServer(config={"log_requests": False}) as server:

        def broken(*args: object) -> int:
            raise RuntimeError("simulated bug")

        monkeypatch.setattr(server.simulator.state, "ingest_track", broken)
        response = requests.post(f"{server.url}/api/track", json=EVENT)
        assert response.status_code == 500
        assert response.json() == {"error": "Internal Server Error", "message": "RuntimeError in the simulator; see its log", "rule_id": "internal"}
        assert "Traceback" not in response.text
        monkeypatch.undo()
        assert requests.post(f"{server.url}/api/track", json=EVENT).status_code == 200  # still serving
        assert [r["status"] for r in MockClient(server.url).requests()] == [500, 200]


def test_the_log_has_a_line_per_heap_request_and_control_change_but_not_control_reads() -> None:
    with HeapMockServer() as server:
        stream = io.StringIO()
        server.simulator.access_log = AccessLog(stream)
        requests.post(f"{server.url}/api/track", json={"app_id": "x"})
        requests.post(f"{server.url}/_mock/clock", json={"advance": -1})
        requests.get(f"{server.url}/_mock/events")
        lines = stream.getvalue().splitlines()
        assert len(lines) == 2, lines
        assert " POST /api/track 400 " in lines[0] and lines[0].endswith(" app_id.numeric")
        assert " POST /_mock/clock 400 " in lines[1] and lines[1].endswith(" control.invalid")


def test_stored_events_and_journal_entries_are_not_tracked_by_the_garbage_collector() -> None:
    # Tracked records were promoted to the oldest generation and set off full collections that
    # paused a busy simulator for tens of milliseconds (bench/bench_simulator.py, p99 latency).
    with HeapMockServer(config={"log_requests": False}) as server:
        event = {**EVENT, "properties": {"plan": "pro", "seats": 3}, "idempotency_key": "k1"}
        assert requests.post(f"{server.url}/api/track", json=event).status_code == 200
        gc.collect()
        state = server.simulator.state
        assert not gc.is_tracked(state.events._log.values()[0])
        assert not gc.is_tracked(state.journal.entries()[0])
        assert MockClient(server.url).events()[0]["properties"] == {"plan": "pro", "seats": 3}


def test_a_warned_event_and_request_stay_untracked_by_the_garbage_collector() -> None:
    # Their warnings are kept as plain text: a nested tuple would keep each entry tracked.
    with HeapMockServer(config={"log_requests": False}) as server:
        assert requests.post(f"{server.url}/api/track", json={**EVENT, "properties": {"blocked": False}}).status_code == 200
        gc.collect()
        state = server.simulator.state
        assert not gc.is_tracked(state.events._log.values()[0])
        assert not gc.is_tracked(state.journal.entries()[0])
        client = MockClient(server.url)
        assert [w["rule_id"] for w in client.events()[0]["warnings"]] == ["properties.boolean"]
        assert [w["path"] for w in client.requests(warned="true")[0]["warnings"]] == ["postBody.events[0].properties.blocked"]
        assert client.requests(warned="false") == []
