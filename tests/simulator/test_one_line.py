"""One violation per line in a 400, one request per line in the log, whatever the input holds."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from heap_mock.server import HeapMockServer
from heap_mock.testing import MockClient
from http_layer.access_log import AccessLog
from tests.conftest import examples

BREAKS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("brk", BREAKS, ids=[repr(b) for b in BREAKS])
def test_a_line_break_in_a_property_name_keeps_each_violation_on_its_own_line(heap_mock: MockClient, brk: str) -> None:
    properties = {f"plan{brk}postBody.forged should be string": {}, "ok": None}  # two violations
    response = heap_mock.post("/api/track", {"app_id": "11", "identity": "a", "event": "E", "properties": properties})
    assert response.status_code == 400
    lines = response.text.splitlines()
    assert len(lines) == 2, lines
    assert all(line.startswith("postBody.events[0].properties") for line in lines)
    journaled = heap_mock.requests()[-1]["violations"]
    assert [v["message"] for v in journaled] == lines  # the journal and the answer say the same


@pytest.mark.generated
@given(name=st.text(min_size=1, max_size=60))
@settings(max_examples=examples(30))
def test_any_property_name_gives_exactly_one_line_per_violation(heap_mock: MockClient, name: str) -> None:
    body = {"app_id": "11", "identity": "a", "event": "E", "timestamp": "not a time", "properties": {name: [{}]}}
    response = heap_mock.post("/api/track", body)
    assert response.status_code == 400
    assert len(response.text.splitlines()) == 2, response.text


@pytest.fixture
def logged() -> Iterator[tuple[HeapMockServer, io.StringIO]]:
    stream = io.StringIO()
    with HeapMockServer(config={"log_requests": True}) as server:
        server.simulator.access_log = AccessLog(stream)
        yield server, stream


@pytest.mark.parametrize("encoded", ["%0A", "%0D", "%0D%0A", "%E2%80%A8", "%1C"])
def test_an_encoded_line_break_in_the_path_forges_no_log_line(logged: tuple[HeapMockServer, io.StringIO], encoded: str) -> None:
    server, stream = logged
    forged = f"/api/track{encoded}2026-01-01 00:00:00 POST /api/track 200 0.1ms req-999"
    requests.post(f"{server.url}{forged}", json={}, timeout=10)
    requests.post(f"{server.url}/_mock/reset{encoded}x", timeout=10)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert "404" in lines[0] and "req-999" in lines[0]
