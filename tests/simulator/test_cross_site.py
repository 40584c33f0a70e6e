"""The simulator's own pages refuse what a web page on another site could send them, over real HTTP.

The policy is heap_mock/origin_policy.py; tests/console/test_cross_site_browser.py sends the same
attacks from a real page in Chromium. Heap's endpoints stay open, as Heap's are.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from heap_mock.server import HeapMockServer
from heap_mock.testing import MockClient
from tests.test_cli import served_in_process

EVENT = {"app_id": "11", "identity": "alice", "event": "E"}
FOREIGN = "http://attacker.example"


def port_of(url: str) -> str:
    return url.rsplit(":", 1)[1]


@pytest.fixture
def stocked(heap_mock: MockClient) -> MockClient:
    """A simulator holding one event, on a clock at the test epoch, with no faults."""
    assert heap_mock.post("/api/track", EVENT).status_code == 200
    return heap_mock


def assert_unchanged(mock: MockClient) -> None:
    """Still the one event, the clock where it was, no fault, and real clients served as before."""
    assert [event["event"] for event in mock.events()] == ["E"]
    assert mock.clock()["now"] == "2026-01-01T00:00:00.000Z"
    assert mock.faults() == []
    assert mock.post("/api/track", {**EVENT, "event": "After"}).status_code == 200  # no fault reaches real clients


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        ("/_mock/reset", {"headers": {"Origin": FOREIGN}}),
        (
            "/_mock/clock",
            {"data": '{"set": "9999-12-31T00:00:00Z"}', "headers": {"Origin": FOREIGN, "Content-Type": "text/plain"}},
        ),
        (
            "/_mock/faults",
            {"data": '{"path": "/api/*", "status": 503}', "headers": {"Origin": "null", "Content-Type": "text/plain"}},
        ),
        ("/_mock/faults", {"json": {"path": "/api/*", "status": 503}, "headers": {"Origin": FOREIGN}}),
        ("/_mock/reset", {"data": "a=1", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}),
        ("/_mock/clock", {"data": '{"set": "9999-12-31T00:00:00Z"}', "headers": {"Content-Type": "text/plain"}}),
        ("/_mock/faults", {"data": '{"path": "/api/*", "status": 500}'}),  # a body with no type at all
    ],
)
def test_a_write_from_another_origin_or_not_as_json_is_refused_and_changes_nothing(
    stocked: MockClient, path: str, kwargs: dict[str, object]
) -> None:
    response = requests.post(f"{stocked.url}{path}", timeout=10, **kwargs)  # type: ignore[arg-type]
    assert response.status_code in (403, 415), response.text
    assert response.json()["rule_id"] in ("control.origin", "control.content_type")
    assert_unchanged(stocked)


def test_a_delete_from_another_origin_is_refused(stocked: MockClient) -> None:
    stocked.add_fault(path="/api/track", status=503, times=1)
    assert requests.delete(f"{stocked.url}/_mock/faults", headers={"Origin": FOREIGN}, timeout=10).status_code == 403
    assert len(stocked.faults()) == 1


def test_writes_from_tools_and_from_the_simulators_own_origin_are_taken(stocked: MockClient) -> None:
    own = f"http://127.0.0.1:{port_of(stocked.url)}"
    assert (
        requests.post(
            f"{stocked.url}/_mock/faults", json={"path": "/api/x", "status": 500}, headers={"Origin": own}, timeout=10
        ).status_code
        == 201
    )
    assert requests.post(f"{stocked.url}/_mock/clock", json={"advance": 1}, timeout=10).status_code == 200
    assert requests.post(f"{stocked.url}/_mock/reset", timeout=10).status_code == 200  # no body, no type: curl -X POST


@pytest.mark.parametrize("path", ["/_mock/events", "/_mock/requests", "/", "/openapi.json", "/_mock/console/js/api.js"])
def test_the_simulators_pages_refuse_a_name_they_are_not_known_by(stocked: MockClient, path: str) -> None:
    # What a DNS-rebinding page sends: its own name, now pointing at 127.0.0.1.
    response = requests.get(f"{stocked.url}{path}", headers={"Host": f"attacker.example:{port_of(stocked.url)}"}, timeout=10)
    assert response.status_code == 403
    assert response.json()["rule_id"] == "control.host"
    assert "alice" not in response.text


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "LOCALHOST.", "10.1.2.3"])
def test_the_simulators_pages_answer_loopback_names_and_addresses(stocked: MockClient, host: str) -> None:
    response = requests.get(f"{stocked.url}/_mock/events", headers={"Host": f"{host}:{port_of(stocked.url)}"}, timeout=10)
    assert response.status_code == 200


def test_heaps_endpoints_answer_any_host_as_heap_does(heap_mock: MockClient) -> None:
    response = requests.post(
        f"{heap_mock.url}/api/track", json=EVENT, headers={"Host": "heapanalytics.com", "Origin": FOREIGN}, timeout=10
    )
    assert response.status_code == 200
    assert len(heap_mock.events()) == 1


@pytest.fixture(scope="module")
def named_server() -> Iterator[HeapMockServer]:
    with HeapMockServer(config={"log_requests": False, "allowed_hosts": ["heap-mock", "sim.internal"]}) as server:
        yield server


@pytest.mark.parametrize(("host", "status"), [("heap-mock:8080", 200), ("SIM.internal", 200), ("other.internal", 403)])
def test_allowed_hosts_names_a_container_or_network_name(named_server: HeapMockServer, host: str, status: int) -> None:
    assert requests.get(f"{named_server.url}/_mock/health", headers={"Host": host}, timeout=10).status_code == status


def test_serve_answers_its_host_name_and_allow_host_names(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # The server `heap-mock serve` builds from these flags, served in this process (tests/test_cli.py).
    argv = ["--server", "waitress", "--allow-host", "sim.test", "--host", "localhost"]
    with served_in_process(monkeypatch, *argv) as server:
        for host, status in (("sim.test", 200), ("localhost", 200), ("other.test", 403)):
            assert requests.get(f"{server.url}/_mock/health", headers={"Host": host}, timeout=10).status_code == status, host
    stderr = capsys.readouterr().err
    assert "GET /_mock/health 403" in stderr and "control.host" in stderr
