"""How fast the simulator answers others while clients stall mid-body, on `heap-mock serve`.

Each stalled client sends a request's headers and half its body, then nothing. Meanwhile the
control plane (`/_mock/health`), the console (`/`) and Heap's track endpoint are asked in turn,
and the median and worst answer times are printed, for 0, 8 and 64 stalled clients, under granian
(the default: a stalled body holds no thread) and waitress (which reads bodies in its own loop).
Figures are milliseconds; a request that got no answer within TIMEOUT_S counts as TIMEOUT_S.
"""

from __future__ import annotations

import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from bench.checks import Check, ending

TIMEOUT_S = 5.0
HALF_A_BODY = b'POST /api/track HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"app_id":"11",'
TRACK = {"app_id": "11", "identity": "patient", "event": "E"}


def _serve(server: str, folder: Path) -> tuple[subprocess.Popen[str], str]:
    config = folder / "config.json"
    config.write_text(json.dumps({"log_requests": False, "limits_enabled": False, "body_idle_timeout_s": 60}))
    command = [sys.executable, "-m", "heap_mock", "serve", "--port", "0", "--server", server, "--config", str(config)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def _stall(url: str, count: int) -> list[socket.socket]:
    host, port = url.removeprefix("http://").split(":")
    sockets = []
    for _ in range(count):
        sock = socket.create_connection((host, int(port)), timeout=TIMEOUT_S)
        sock.sendall(HALF_A_BODY)
        sockets.append(sock)
    return sockets


def _answer_ms(session: requests.Session, method: str, url: str, **kwargs: object) -> float:
    started = time.perf_counter()
    try:
        session.request(method, url, timeout=TIMEOUT_S, **kwargs)  # type: ignore[arg-type]
    except requests.RequestException:
        return TIMEOUT_S * 1000
    return (time.perf_counter() - started) * 1000


def measure(server: str, stalled: int, rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        process, url = _serve(server, Path(folder))
        sockets = _stall(url, stalled)
        try:
            session = requests.Session()
            times = {"health": [], "console": [], "track": []}  # type: dict[str, list[float]]
            for _ in range(rounds):
                times["health"].append(_answer_ms(session, "GET", f"{url}/_mock/health"))
                times["console"].append(_answer_ms(session, "GET", f"{url}/"))
                times["track"].append(_answer_ms(session, "POST", f"{url}/api/track", json=TRACK))
        finally:
            for sock in sockets:
                sock.close()
            process.terminate()
            process.wait(timeout=15)
            assert process.stdout is not None
            process.stdout.close()
    figures = {}
    for what, values in times.items():
        figures[f"{server}_stalled{stalled}_{what}_median_ms"] = round(statistics.median(values), 2)
        figures[f"{server}_stalled{stalled}_{what}_max_ms"] = round(max(values), 2)
    return figures


# What the figures must be whatever the machine's speed; `python -m bench` fails naming any that does not hold.
CHECKS = [
    Check("every answer came while clients stalled, long before the timeout", lambda f: all(0 < value < 1000 for value in ending(f, "_max_ms"))),
]


def run(quick: bool) -> dict[str, float]:
    figures: dict[str, float] = {}
    for server in ("granian",) if quick else ("granian", "waitress"):
        for stalled in (0, 8) if quick else (0, 8, 64):
            figures.update(measure(server, stalled, 3 if quick else 50))
    for name, value in figures.items():
        print(f"{name:45} {value}")
    return figures


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
