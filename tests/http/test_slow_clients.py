"""Clients that stall mid-body hold up nobody, on the command as users run it (issue 17).

Under granian's WSGI interface two such clients held both request threads and the simulator froze,
control plane and console included. Now a request waits for its body holding no thread, and a
client silent for `body_idle_timeout_s` is answered 408. bench/bench_slow_clients.py measures how
fast the others are answered meanwhile; here it is enough that they are answered at all.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.http.raw import parse

STALLED = 16
ANSWER_TIMEOUT_S = 5.0  # far above an answer's time, far below "never"
IDLE_TIMEOUT_S = 0.3
HALF_A_BODY = b'POST /api/track HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"app_id":"11",'


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[str]:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"body_idle_timeout_s": IDLE_TIMEOUT_S, "log_requests": False}))
    process = subprocess.Popen([sys.executable, "-m", "heap_mock", "serve", "--port", "0", "--config", str(config)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    yield process.stdout.readline().strip()
    process.terminate()
    process.wait(timeout=10)
    process.stdout.close()


def stall(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=ANSWER_TIMEOUT_S)
    sock.sendall(HALF_A_BODY)
    return sock


def test_the_control_plane_console_and_heap_answer_while_clients_stall_mid_body(serve: str) -> None:
    stalled = [stall(serve) for _ in range(STALLED)]
    try:
        assert requests.get(f"{serve}/_mock/health", timeout=ANSWER_TIMEOUT_S).status_code == 200
        assert requests.get(f"{serve}/", timeout=ANSWER_TIMEOUT_S).status_code == 200
        track = {"app_id": "11", "identity": "patient", "event": "E"}
        assert requests.post(f"{serve}/api/track", json=track, timeout=ANSWER_TIMEOUT_S).status_code == 200
        answer = parse(stalled[0].recv(65536))  # the server's own idle timer, not a sleep of ours
        assert (answer.status, json.loads(answer.body)["rule_id"]) == (408, "body.timeout")
    finally:
        for sock in stalled:
            sock.close()
    journal = requests.get(f"{serve}/_mock/requests", params={"status": "408"}, timeout=ANSWER_TIMEOUT_S).json()
    assert journal["total"] >= 1 and journal["requests"][0]["rule_id"] == "body.timeout"
