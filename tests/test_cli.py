"""`heap-mock serve` as a user runs it: a real process, a real port, signals to stop it.

What only a process can show runs as one: what it prints and exits with when signalled, and the
odd requests each server gets on the command as run (one process per server, shared by the tests
of this module on a worker, reset before each). What `main` decides from its arguments (config
file, flags, refusals with exit status 2) runs in this process, through `main(argv)`.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

import http_layer.servers
from heap_mock.cli import main
from heap_mock.testing import MockClient
from http_layer.servers import SiteServer, reserve_port

SERVE = [sys.executable, "-m", "heap_mock", "serve", "--port", "0"]
SERVERS = ["granian", "waitress"]


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


@pytest.fixture(scope="module", params=SERVERS)
def command(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """`heap-mock serve --server NAME` as a process, for this module's tests on this worker: (server, URL)."""
    process, url = start("--server", request.param)
    yield request.param, url
    stop(process, signal.SIGTERM)


@pytest.fixture
def served(command: tuple[str, str]) -> tuple[str, str]:
    """The command's simulator, emptied: (server, URL)."""
    MockClient(command[1]).reset()
    return command


# ---- the process itself: what it prints, and how it stops ----


@pytest.mark.parametrize("server", SERVERS)
def test_serve_prints_its_url_answers_logs_and_stops_on_sigterm(server: str) -> None:
    process, url = start("--server", server)
    client = MockClient(url)
    assert client.post("/api/track", {"app_id": "1", "identity": "a", "event": "E"}).status_code == 200
    assert client.post("/api/track", {"app_id": "1"}).status_code == 400
    assert [e["event"] for e in client.events()] == ["E"]
    code, stderr = stop(process, signal.SIGTERM)
    assert code == 0
    assert "POST /api/track 200" in stderr
    assert "POST /api/track 400" in stderr and "track.event.required" in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize(("server", "threads"), [("granian", "1"), ("granian", "8"), ("waitress", "4")])
def test_the_base_url_is_the_first_line_nothing_else_is_said_and_sigint_stops_it_cleanly(server: str, threads: str) -> None:
    # granian logs its start, and warns that its embedded mode is new: none of it is for the user.
    process, url = start("--server", server, "--threads", threads)
    assert requests.get(f"{url}/_mock/health", timeout=10).json()["status"] == "ok"
    code, stderr = stop(process, signal.SIGINT)
    assert code == 0
    assert url.startswith("http://127.0.0.1:")
    assert stderr == ""


# ---- odd requests, on the command as run under each server ----

BODILESS = [
    ("GET", "/api/track", None, 405),
    ("DELETE", "/api/nope", None, 404),
    ("GET", "/favicon.ico", None, 404),
    ("POST", "/api/track", None, 400),
    ("POST", "/api/public/v0/auth_token", ("11", "key"), 200),
    ("POST", "/_mock/faults", None, 400),
]


def test_bodiless_requests_get_their_own_answers_on_the_command_as_run(served: tuple[str, str]) -> None:
    # Issue 17: under `heap-mock serve`'s default server every request without a body was read as
    # a chunked body that broke off (400 body.incomplete), Heap's deletion API among them.
    _, url = served
    for method, path, auth, status in BODILESS:
        answer = requests.request(method, url + path, auth=auth, timeout=10)
        assert (answer.status_code, "body.incomplete" in answer.text) == (status, False), (method, path, answer.text)
    token = requests.post(url + "/api/public/v0/auth_token", auth=("11", "key"), timeout=10).json()["access_token"]
    answer = requests.get(url + "/api/public/v0/deletion_status/nope", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert answer.status_code == 404 and answer.json()["rule_id"] == "deletion.not_found"


def test_dropped_connection_fault_breaks_the_answer_under_every_server(served: tuple[str, str]) -> None:
    _, url = served
    MockClient(url).add_fault(path="/api/track", drop_connection=True, times=1)
    with pytest.raises(requests.exceptions.RequestException):
        requests.post(f"{url}/api/track", json={"app_id": "1", "identity": "a", "event": "E"}, timeout=10)
    assert MockClient(url).events() == []


def send_and_close(url: str, raw: bytes) -> bytes:
    """`raw` on a new connection, the sending side shut, and everything the server says before closing."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)
        return b"".join(iter(lambda: sock.recv(65536), b""))


def assert_cut_short_answer(server: str, answer: bytes) -> None:
    """granian hands the request on with what arrived, and it is refused as incomplete; waitress waits
    for the rest of the body and closes without a word when the client stops sending."""
    if server == "granian":
        assert answer.startswith(b"HTTP/1.1 400") and b"body.incomplete" in answer, answer
    else:
        assert answer == b"", answer


def test_a_body_cut_short_of_its_content_length_is_not_stored_under_every_server(served: tuple[str, str]) -> None:
    # 50 bytes of valid JSON that promise 500, then the client stops sending.
    server, url = served
    head = "POST /api/track HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n"
    answer = send_and_close(url, head.encode() + b'{"app_id":"11","identity":"cut","event":"E"}     ')
    assert_cut_short_answer(server, answer)
    assert MockClient(url).events() == []


CUT_CHUNKED = {
    "short chunk": b"%x\r\n" % 80 + b'{"app_id":"11","identity":"cut","event":"E"}',
    "no final chunk": b"%x\r\n" % 45 + b'{"app_id":"11","identity":"cut","event":"E"}\r\n',
}


@pytest.mark.parametrize("cut", list(CUT_CHUNKED))
def test_a_chunked_body_cut_short_is_not_stored_under_every_server(served: tuple[str, str], cut: str) -> None:
    # The chunk's bytes are valid JSON; only the framing says the body is not whole.
    server, url = served
    head = "POST /api/track HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert_cut_short_answer(server, send_and_close(url, head.encode() + CUT_CHUNKED[cut]))
    assert MockClient(url).events() == []


def test_a_whole_chunked_body_is_stored_under_every_server(served: tuple[str, str]) -> None:
    _, url = served
    chunks = (b'{"app_id":"11",', b'"identity":"whole","event":"E"}')
    assert requests.post(f"{url}/api/track", data=iter(chunks), headers={"Content-Type": "application/json"}, timeout=10).status_code == 200
    assert [event["identity"] for event in MockClient(url).events()] == ["whole"]


# ---- what main decides from its arguments, in this process ----


@pytest.fixture
def never_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve_in_foreground` as the command runs it, but told to stop at once: no signal handler is
    installed in the test process, and a server that wrongly binds stops rather than serving forever."""
    stopped = threading.Event()
    stopped.set()
    monkeypatch.setattr(http_layer.servers, "stop_on_signals", lambda: stopped)


def refused(argv: list[str]) -> int:
    """`main(argv)` for a command that must refuse to start. waitress leaves the socket it failed to
    bind open (harmless in the command, which exits at once): it is collected here, so its
    ResourceWarning is not reported against whichever test next runs the garbage collector."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        code = main(argv)
        gc.collect()
    return code


@contextmanager
def served_in_process(monkeypatch: pytest.MonkeyPatch, *argv: str) -> Iterator[SiteServer]:
    """The server `heap-mock serve ARGV` builds, running in this process in place of the foreground loop."""
    built: list[SiteServer] = []

    def serve(server: SiteServer, *, prog: str, on_ready: object, **_: object) -> int:
        built.append(server.start())
        return 0

    monkeypatch.setattr(http_layer.servers, "serve_in_foreground", serve)
    assert main(["serve", "--port", "0", *argv]) == 0
    try:
        yield built[0]
    finally:
        built[0].stop()


def test_config_file_is_applied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "heap-mock.json"
    config.write_text(json.dumps({"limits": {"track": {"limit": 1}}, "log_requests": False}))
    with served_in_process(monkeypatch, "--config", str(config)) as server:
        statuses = [requests.post(f"{server.url}/api/track", json={"app_id": "1", "identity": "a", "event": "E"}, timeout=10).status_code for _ in range(2)]
    assert statuses == [200, 429]


def test_the_fidelity_flag_overrides_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "heap-mock.json"
    config.write_text(json.dumps({"fidelity": "observed", "log_requests": False}))
    with served_in_process(monkeypatch, "--config", str(config), "--fidelity", "documented", "--server", "waitress") as server:
        assert server.server == "waitress"
        body = {"app_id": "1", "identity": "a", "event": "E", "properties": {"flag": True}}
        assert requests.post(f"{server.url}/api/track", json=body, timeout=5).status_code == 400
        assert MockClient(server.url).config()["fidelity"] == "documented"


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
def test_unusable_arguments_exit_2_with_a_clear_message(
    tmp_path: Path, args: list[str], config: object, message: str, capsys: pytest.CaptureFixture[str], never_waits: None
) -> None:
    path = tmp_path / "config.json"
    path.write_text(config if isinstance(config, str) else json.dumps(config))
    assert main(["serve", *(arg.replace("{config}", str(path)) for arg in args)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and message in err


@pytest.mark.parametrize("second", SERVERS)
def test_a_second_simulator_on_a_served_port_is_refused_and_the_first_keeps_every_request(
    served: tuple[str, str], second: str, capsys: pytest.CaptureFixture[str], never_waits: None
) -> None:
    # granian binds with SO_REUSEPORT: unchecked, a second granian simulator would bind the same port
    # and take about half of the requests into a store nobody reads.
    _, url = served
    port = url.rsplit(":", 1)[1]
    assert refused(["serve", "--port", port, "--server", second]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"heap-mock: cannot bind 127.0.0.1:{port}: Address already in use\n"
    client = MockClient(url)
    for n in range(20):
        assert client.post("/api/track", {"app_id": "1", "identity": f"u{n}", "event": "E"}).status_code == 200
    assert len(client.events()) == 20


def open_descriptors() -> set[str]:
    gc.collect()  # a socket nothing refers to any more is closed now, if it ever will be
    return set(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("server", SERVERS)
def test_a_port_held_by_another_program_is_refused_without_printing_a_url_or_leaving_a_socket(
    server: str, capsys: pytest.CaptureFixture[str], never_waits: None
) -> None:
    # waitress builds its socket and wake-up pipe before it binds; a refused bind left both open.
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        before = open_descriptors()
        assert main(["serve", "--port", str(port), "--server", server]) == 2
        assert open_descriptors() <= before
    out, err = capsys.readouterr()
    assert out == "" and err == f"heap-mock: cannot bind 127.0.0.1:{port}: Address already in use\n"


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
