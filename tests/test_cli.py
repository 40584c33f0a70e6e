"""`heap-mock serve` as a user runs it: a real process, a real port, signals to stop it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from http_layer.servers import reserve_port
from heap_mock.testing import MockClient

SERVE = [sys.executable, "-m", "heap_mock", "serve", "--port", "0"]


def start(*extra: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([*SERVE, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), f"first line should be the base URL, got {url!r}"
    return process, url


def stop(process: subprocess.Popen[str], signum: int) -> tuple[int, str]:
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=15)
    return process.returncode, stderr


@pytest.fixture(params=["granian", "waitress"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process, url = start("--server", request.param)
    yield process, url
    if process.poll() is None:
        stop(process, signal.SIGTERM)


BODILESS = [
    ("GET", "/api/track", None, 405),
    ("DELETE", "/api/nope", None, 404),
    ("GET", "/favicon.ico", None, 404),
    ("POST", "/api/track", None, 400),
    ("POST", "/api/public/v0/auth_token", ("11", "key"), 200),
    ("POST", "/_mock/faults", None, 400),
]


def test_bodiless_requests_get_their_own_answers_on_the_command_as_run(served: tuple[subprocess.Popen[str], str]) -> None:
    # Issue 17: under `heap-mock serve`'s default server every request without a body was read as
    # a chunked body that broke off (400 body.incomplete), Heap's deletion API among them.
    _, url = served
    for method, path, auth, status in BODILESS:
        answer = requests.request(method, url + path, auth=auth, timeout=10)
        assert (answer.status_code, "body.incomplete" in answer.text) == (status, False), (method, path, answer.text)
    token = requests.post(url + "/api/public/v0/auth_token", auth=("11", "key"), timeout=10).json()["access_token"]
    answer = requests.get(url + "/api/public/v0/deletion_status/nope", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert answer.status_code == 404 and answer.json()["rule_id"] == "deletion.not_found"


def test_serve_prints_its_url_answers_logs_and_stops_on_sigterm(served: tuple[subprocess.Popen[str], str]) -> None:
    process, url = served
    client = MockClient(url)
    assert client.post("/api/track", {"app_id": "1", "identity": "a", "event": "E"}).status_code == 200
    assert client.post("/api/track", {"app_id": "1"}).status_code == 400
    assert [e["event"] for e in client.events()] == ["E"]
    code, stderr = stop(process, signal.SIGTERM)
    assert code == 0
    assert "POST /api/track 200" in stderr
    assert "POST /api/track 400" in stderr and "track.event.required" in stderr
    assert "Traceback" not in stderr


def test_serve_stops_cleanly_on_sigint(served: tuple[subprocess.Popen[str], str]) -> None:
    process, url = served
    assert requests.get(f"{url}/_mock/health").json()["status"] == "ok"
    code, stderr = stop(process, signal.SIGINT)
    assert code == 0
    assert "Traceback" not in stderr


def test_dropped_connection_fault_breaks_the_answer_under_every_server(served: tuple[subprocess.Popen[str], str]) -> None:
    _, url = served
    MockClient(url).add_fault(path="/api/track", drop_connection=True, times=1)
    with pytest.raises(requests.exceptions.RequestException):
        requests.post(f"{url}/api/track", json={"app_id": "1", "identity": "a", "event": "E"})
    assert MockClient(url).events() == []


def test_a_body_cut_short_of_its_content_length_is_not_stored_under_every_server(served: tuple[subprocess.Popen[str], str]) -> None:
    # 50 bytes of valid JSON that promise 500, then the client stops sending. granian hands the
    # request on with what arrived; waitress waits for the rest and never answers.
    _, url = served
    host, port = url.removeprefix("http://").split(":")
    head = f"POST /api/track HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n"
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head.encode() + b'{"app_id":"11","identity":"cut","event":"E"}     ')
        sock.shutdown(socket.SHUT_WR)
        answer = b"".join(iter(lambda: sock.recv(65536), b""))
    assert b" 200 " not in answer.split(b"\r\n", 1)[0]
    if answer:
        assert answer.startswith(b"HTTP/1.1 400") and b"body.incomplete" in answer
    assert MockClient(url).events() == []


def test_config_file_is_applied(tmp_path: Path) -> None:
    config = tmp_path / "heap-mock.json"
    config.write_text(json.dumps({"limits": {"track": {"limit": 1}}, "log_requests": False}))
    process, url = start("--config", str(config))
    try:
        statuses = [requests.post(f"{url}/api/track", json={"app_id": "1", "identity": "a", "event": "E"}).status_code for _ in range(2)]
        assert statuses == [200, 429]
    finally:
        stop(process, signal.SIGTERM)


def test_the_fidelity_flag_overrides_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "heap-mock.json"
    config.write_text(json.dumps({"fidelity": "observed", "log_requests": False}))
    process, url = start("--config", str(config), "--fidelity", "documented", "--server", "waitress")
    try:
        body = {"app_id": "1", "identity": "a", "event": "E", "properties": {"flag": True}}
        assert requests.post(f"{url}/api/track", json=body, timeout=5).status_code == 400
        assert MockClient(url).config()["fidelity"] == "documented"
    finally:
        stop(process, signal.SIGTERM)


@pytest.mark.parametrize(
    ("args", "config", "message"),
    [
        (["--config", "{config}"], {"limts": {}}, "config.limts is unknown; known: allowed_hosts,"),
        (["--config", "{config}"], {"journal_limit": -1}, "config.journal_limit must be a positive whole number, got the number -1"),
        (["--config", "{config}"], "not json", "is not valid JSON"),
        (["--config", "/nonexistent/heap.json"], None, "config file /nonexistent/heap.json cannot be read"),
        (["--port", "70000"], None, "--port must be from 0 to 65535"),
        (["--config", "{config}"], {"fidelity": "live"}, "config.fidelity must be \"observed\" or \"documented\", got the text 'live'"),
    ],
)
def test_unusable_arguments_exit_2_with_a_clear_message(tmp_path: Path, args: list[str], config: object, message: str) -> None:
    path = tmp_path / "config.json"
    path.write_text(config if isinstance(config, str) else json.dumps(config))
    argv = [arg.replace("{config}", str(path)) for arg in args]
    result = subprocess.run([*SERVE[:-2], *argv], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("server", ["granian", "waitress"])
def test_a_second_simulator_on_a_served_port_is_refused_and_the_first_keeps_every_request(server: str) -> None:
    # granian binds with SO_REUSEPORT: unchecked, a second granian simulator would bind the same port
    # and take about half of the requests into a store nobody reads.
    first, url = start()
    try:
        port = url.rsplit(":", 1)[1]
        second = subprocess.run([*SERVE[:-1], port, "--server", server], capture_output=True, text=True, timeout=30, check=False)
        assert second.returncode == 2
        assert f"cannot bind 127.0.0.1:{port}: Address already in use" in second.stderr
        assert "Traceback" not in second.stderr and second.stdout == ""
        client = MockClient(url)
        for n in range(20):
            assert client.post("/api/track", {"app_id": "1", "identity": f"u{n}", "event": "E"}).status_code == 200
        assert len(client.events()) == 20
    finally:
        stop(first, signal.SIGTERM)


def test_a_port_held_by_another_program_is_refused_without_printing_a_url() -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        result = subprocess.run([*SERVE[:-1], str(port)], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2
    assert f"cannot bind 127.0.0.1:{port}: Address already in use" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_reserved_port_refuses_plain_binds_until_released() -> None:
    reservation = reserve_port("127.0.0.1", 0)
    port = reservation.getsockname()[1]
    with socket.socket() as other, pytest.raises(OSError):
        other.bind(("127.0.0.1", port))
    with pytest.raises(OSError):
        reserve_port("127.0.0.1", port)
    reservation.close()
    with socket.socket() as other:
        other.bind(("127.0.0.1", port))


@pytest.mark.parametrize("threads", ["1", "8"])
def test_the_base_url_is_the_first_line_and_nothing_else_is_said(threads: str) -> None:
    # granian logs its start, and warns that its embedded mode is new: none of it is for the user.
    process, url = start("--threads", threads)
    code, stderr = stop(process, signal.SIGTERM)
    assert code == 0
    assert url.startswith("http://127.0.0.1:")
    assert stderr == ""


CUT_CHUNKED = {
    "short chunk": b"%x\r\n" % 80 + b'{"app_id":"11","identity":"cut","event":"E"}',
    "no final chunk": b"%x\r\n" % 45 + b'{"app_id":"11","identity":"cut","event":"E"}\r\n',
}


@pytest.mark.parametrize("cut", list(CUT_CHUNKED))
def test_a_chunked_body_cut_short_is_not_stored_under_every_server(served: tuple[subprocess.Popen[str], str], cut: str) -> None:
    # The chunk's bytes are valid JSON; only the framing says the body is not whole.
    _, url = served
    host, port = url.removeprefix("http://").split(":")
    head = f"POST /api/track HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head.encode() + CUT_CHUNKED[cut])
        sock.shutdown(socket.SHUT_WR)
        answer = b"".join(iter(lambda: sock.recv(65536), b""))
    if answer:
        assert answer.startswith(b"HTTP/1.1 400") and b"body.incomplete" in answer, answer
    assert MockClient(url).events() == []


def test_a_whole_chunked_body_is_stored_under_every_server(served: tuple[subprocess.Popen[str], str]) -> None:
    _, url = served
    chunks = (b'{"app_id":"11",', b'"identity":"whole","event":"E"}')
    assert requests.post(f"{url}/api/track", data=iter(chunks), headers={"Content-Type": "application/json"}, timeout=10).status_code == 200
    assert [event["identity"] for event in MockClient(url).events()] == ["whole"]
