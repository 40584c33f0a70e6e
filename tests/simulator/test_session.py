"""A session you can keep (issue 21): `GET /_mock/export` writes the whole session as one file and
`heap-mock serve --load FILE` (config `session_file`) starts with it, bounds kept, bad files
refused by field, over real HTTP and, at the end, over real processes."""

from __future__ import annotations

import copy
import json
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import requests

import http_layer.servers
from heap_mock import HeapMockServer
from heap_mock.cli import main
from heap_mock.store.session import SessionError, read_session
from heap_mock.testing import MockClient

APP = "11"
LINEAGE = "http://127.0.0.1:8081/_front/lineage#batch-3-event-0"
CONFIG = {"log_requests": False}


def populate(client: MockClient) -> None:
    """One of each thing a session holds: events (a warning, lineage, bulk), users with identify
    links, accounts, refusals, a fault, a body that is not UTF-8, and a virtual clock."""
    client.set_clock("2026-03-02T10:00:00Z")
    client.post("/api/track", {"app_id": APP, "identity": "ada", "event": "Signed Up", "properties": {"plan": "pro", "beta": True},
                               "idempotency_key": "k-1"}, headers={"X-Heap-Sim-Lineage": LINEAGE})  # fmt: skip
    client.post("/api/track", {"app_id": APP, "events": [{"identity": "bo", "event": f"E{i}", "idempotency_key": f"b-{i}"} for i in range(3)]})
    client.post("/api/track", {"app_id": APP, "identity": "ada"})  # 400
    client.post("/api/add_user_properties", {"app_id": APP, "identity": "ada", "properties": {"tier": 2}})
    client.post("/api/v1/identify", {"app_id": APP, "identity": "ada", "user_id": "7"})
    client.post("/api/add_account_properties", {"app_id": APP, "account_id": "acme", "properties": {"seats": 5}})
    client.post("/api/track", data=b"\xff\xfe not utf-8", headers={"Content-Type": "application/json"})
    client.add_fault(path="/api/track", status=503, times=1)
    client.post("/api/track", {"app_id": APP, "identity": "cy", "event": "Faulted"})
    client.clear_faults()
    client.advance(5)


def everything(client: MockClient) -> dict[str, Any]:
    return {
        "events": client.events(), "users": client.users(), "accounts": client.accounts(), "journal": client.requests(),
        "clock": client.clock(), "counts": {k: v for k, v in client.health()["counts"].items() if k != "duplicates_ignored"},
    }  # fmt: skip


def export(client: MockClient, path: Path) -> Path:
    answer = requests.get(f"{client.url}/_mock/export", timeout=30)
    assert answer.status_code == 200 and answer.headers["Content-Disposition"].startswith('attachment; filename="heap-sim-session-')
    path.write_bytes(answer.content)
    return path


def test_an_exported_session_loads_back_as_it_was(heap_mock: MockClient, tmp_path: Path) -> None:
    populate(heap_mock)
    before = everything(heap_mock)
    saved = export(heap_mock, tmp_path / "session.json")
    with HeapMockServer(config={**CONFIG, "session_file": str(saved)}) as loaded:
        client = MockClient(loaded.url)
        assert everything(client) == before
        assert before["events"][0]["lineage"] == LINEAGE and before["events"][0]["warnings"]
        assert any(entry["body"] == b"\xff\xfe not utf-8".decode("utf-8", "replace") for entry in before["journal"])
        # It goes on from there: a loaded event's key is still a duplicate, request IDs are not reused.
        assert client.post("/api/track", {"app_id": APP, "identity": "ada", "event": "Signed Up", "idempotency_key": "k-1"}).status_code == 200
        assert client.health()["counts"]["events"] == len(before["events"])
        newest = client.requests(order="desc", limit=1)[0]["id"]
        assert newest not in {entry["id"] for entry in before["journal"]}
        assert client.users(identity="ada")[0]["user_ids"] == ["7"]


def test_loading_keeps_the_memory_bounds(heap_mock: MockClient, tmp_path: Path) -> None:
    bulk = {"app_id": APP, "events": [{"identity": f"u{i}", "event": f"E{i}", "idempotency_key": f"k{i}"} for i in range(10)]}
    heap_mock.post("/api/track", bulk)
    for i in range(5):
        heap_mock.post("/api/track", {"app_id": APP, "identity": "v", "event": f"Single {i}"})
    saved = export(heap_mock, tmp_path / "session.json")
    bounds = {**CONFIG, "session_file": str(saved), "max_events": 4, "journal_limit": 3, "max_users": 2}
    with HeapMockServer(config=bounds) as loaded:
        client = MockClient(loaded.url)
        assert [event["event"] for event in client.events()] == ["Single 1", "Single 2", "Single 3", "Single 4"]
        counts = client.health()["counts"]
        assert (counts["events"], counts["events_dropped"], counts["users"], counts["users_dropped"]) == (4, 11, 2, 9)
        assert len(client.requests()) == 3


def a_session() -> dict[str, Any]:
    return {
        "format": "heap-sim session", "version": 1, "clock": {"now": "2026-01-01T00:00:00.000Z", "mode": "virtual", "rate": 0},
        "events": [{"app_id": APP, "identity": "a", "user_id": None, "event": "E", "timestamp": "2026-01-01T00:00:00.000Z",
                    "properties": {"n": 1}, "session_id": None, "idempotency_key": None, "endpoint": "track", "request_id": "req-1",
                    "warnings": [], "lineage": None}],
        "users": [{"app_id": APP, "identity": "a", "properties": {}, "user_ids": [], "recent_links": []}],
        "accounts": [],
        "journal": [{"id": "req-1", "method": "POST", "path": "/api/track", "received_at": "2026-01-01T00:00:00.000Z", "status": 200,
                     "duration_ms": 0.5, "body": "{}", "rule_id": None, "message": None, "stored_events": 1, "lineage": None,
                     "warnings": [], "details": {}, "violations": None}],
    }  # fmt: skip


def broken(change: Any) -> bytes:
    session = copy.deepcopy(a_session())
    change(session)
    return json.dumps(session).encode()


BAD_FILES = [
    (b"{oops", "$", "is not JSON"),
    (b"[]", "$", "must be an object, got a list"),
    (broken(lambda s: s.update(format="something else")), "$.format", 'must be "heap-sim session"'),
    (broken(lambda s: s.update(version=2)), "$.version", "a newer heap-sim wrote it"),
    (broken(lambda s: s.pop("clock")), "$.clock", "is required"),
    (broken(lambda s: s["clock"].update(mode="fast")), "$.clock.mode", 'must be "real", "virtual" or "scaled", got the text \'fast\''),
    (broken(lambda s: s["events"][0].update(timestamp="soon")), "$.events[0].timestamp", "must be an ISO 8601 date-time"),
    (broken(lambda s: s["events"][0].update(identity=None)), "$.events[0].identity", "or user_id is required"),
    (broken(lambda s: s["events"][0]["properties"].update(n=[1])), "$.events[0].properties.n", "must be a string or a number"),
    (broken(lambda s: s["events"][0].update(endpoint="web")), "$.events[0].endpoint", 'must be "track", "bulk_track"'),
    (broken(lambda s: s["events"][0].update(warnings=[{"rule_id": "x", "path": "p", "fact": "f"}])), "$.events[0].warnings[0].rule_id", 'must be "'),
    (broken(lambda s: s["users"][0].update(recent_links=[{"at": "2026-01-01T00:00:00Z", "user_id": "9"}])), "$.users[0].recent_links", "not in user_ids"),
    (broken(lambda s: s["journal"][0].update(status="200")), "$.journal[0].status", "must be a whole number"),
    (broken(lambda s: s["journal"][0].update(details={"limit": 3})), "$.journal[0].details.limit", "must be text"),
    (broken(lambda s: s["journal"][0].update(body=None, body_base64="%%%")), "$.journal[0].body_base64", "must be base64"),
]


@pytest.mark.parametrize(("data", "path", "rule"), BAD_FILES, ids=[path + ":" + rule[:20] for _, path, rule in BAD_FILES])
def test_a_bad_session_file_is_refused_naming_the_field_and_the_rule(data: bytes, path: str, rule: str) -> None:
    with pytest.raises(SessionError) as refused:
        read_session(data)
    assert refused.value.path == path and rule in str(refused.value), str(refused.value)


def test_the_model_session_loads() -> None:
    session = read_session(json.dumps(a_session()).encode())
    assert (len(session.events), len(session.users), len(session.journal), session.highest_request_number()) == (1, 1, 1, 1)


# --- real processes ---------------------------------------------------------------------------------

SERVE = [sys.executable, "-m", "heap_mock", "serve", "--port", "0"]


def serve(*extra: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([*SERVE, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=15)
    return stderr


def test_export_then_load_over_real_processes(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # Exported over HTTP from a simulator in this process, loaded by `heap-mock serve --load` as a user
    # runs it; a file that does not load is refused by the command's own main (exit 2, one line).
    with HeapMockServer() as first:
        populate(MockClient(first.url))
        before = everything(MockClient(first.url))
        saved = export(MockClient(first.url), tmp_path / "session.json")
    second, url = serve("--load", str(saved))
    try:
        assert url.startswith("http://127.0.0.1:")
        assert everything(MockClient(url)) == before
        assert MockClient(url).config()["session_file"] == str(saved.resolve())
    finally:
        assert "Traceback" not in stop(second)
    saved.write_bytes(saved.read_bytes().replace(b'"endpoint":"bulk_track"', b'"endpoint":"bulk"', 1))
    capsys.readouterr()
    stopped = threading.Event()
    stopped.set()
    monkeypatch.setattr(http_layer.servers, "stop_on_signals", lambda: stopped)  # a wrongly loaded file stops, not serves forever
    assert main(["serve", "--load", str(saved)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert """$.events[1].endpoint must be "track", "bulk_track" or "integrations_track", got the text 'bulk'""" in err
