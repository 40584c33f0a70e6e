"""The running simulator over loopback with concurrent clients, against a bare Flask ceiling.

Figures: single-track requests/s with p50/p99 latency, bulk-track events/s, the same request rate
for a bare Flask endpoint on the same server (the ceiling), memory per stored event at 100,000
events, and cold start to first answer. Servers: granian (what `heap-mock serve` uses) and, in a
full run, waitress (what `HeapMockServer` uses), so the README can show why granian was chosen.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

from bench.loadgen import LoadResult, run_load
from heap_mock import create_app
from heap_mock.server import free_port

IDENTITY_POOL = 20_000


def single_track_body(counter: int) -> bytes:
    # 20,000 users taking turns, as a busy app's traffic would: the limits stay on, and each
    # identity sends well under 30 requests per 30 s at the rates measured here.
    return (
        b'{"app_id":"11","identity":"user-%d@example.com","event":"Signed Up",'
        b'"properties":{"plan":"pro","seats":3,"source":"bench"}}' % (counter % IDENTITY_POOL)
    )


def bulk_track_body(counter: int) -> bytes:
    # 1000 events for one identity of one app per request, under both bulk limits.
    event = b'{"identity":"user-%d","event":"Item","properties":{"sku":"SKU-1","price":9.99}}' % counter
    return b'{"app_id":"%d","events":[' % counter + b",".join([event] * 1000) + b"]}"


def _wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.01)
    raise RuntimeError(f"server on port {port} did not start within {timeout} s")


def _command(target: str, server: str, port: int, config: Path) -> list[str]:
    if target == "simulator":
        return [sys.executable, "-m", "heap_mock", "serve", "--port", str(port), "--server", server, "--config", str(config)]
    if server == "granian":
        return [sys.executable, "-m", "granian", "--interface", "wsgi", "--port", str(port), "--workers", "1",
                "--blocking-threads", "2", "--log-level", "warning", "bench.bare_app:app"]
    return [sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}", "--threads=2", "bench.bare_app:app"]


@contextlib.contextmanager
def served(target: str, server: str) -> Iterator[str]:
    """Run the simulator or the bare app on `server` in its own process; yields its URL."""
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config.json"
        config.write_text(json.dumps({"journal_limit": 1000}))
        port = free_port("127.0.0.1")
        process = subprocess.Popen(_command(target, server, port, config), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_for_port(port)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=15)


def cold_start_seconds() -> float:
    """From spawning `heap-mock serve` to its first answered request."""
    port = free_port("127.0.0.1")
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "heap_mock", "serve", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\n\r\n")
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return time.perf_counter() - started
            time.sleep(0.005)
    finally:
        process.terminate()
        process.wait(timeout=15)


def bytes_per_stored_event(count: int) -> float:
    """tracemalloc's view of what `count` stored events (and their journal entries) cost."""
    app = create_app({"log_requests": False})
    client = app.test_client()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for batch in range(count // 1000):
        events = [{"identity": f"user-{batch}-{i}", "event": "Viewed: Home", "timestamp": 1700000000000 + i,
                   "properties": {"plan": "pro", "screen_name": "Home", "n": i}, "idempotency_key": f"{batch}-{i}",
                   "session_id": f"s{batch}"} for i in range(1000)]
        assert client.post("/api/track", json={"app_id": str(batch), "events": events}).status_code == 200
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return used / count


def _measure(target: str, server: str, seconds: float) -> LoadResult:
    with served(target, server) as url:
        return run_load(url, "/api/track", single_track_body, seconds=seconds)


def run(quick: bool) -> dict[str, float]:
    seconds = 0.25 if quick else 10.0
    servers = ["granian"] if quick else ["granian", "waitress"]
    figures: dict[str, float] = {}
    for server in servers:
        simulator, bare = _measure("simulator", server, seconds), _measure("bare", server, seconds)
        figures[f"{server}_simulator_track_rps"] = round(simulator.rate)
        figures[f"{server}_bare_flask_rps"] = round(bare.rate)
        figures[f"{server}_simulator_share_of_bare"] = round(simulator.rate / bare.rate, 3) if bare.rate else 0.0
        figures[f"{server}_track_p50_ms"] = round(simulator.percentile(0.50), 2)
        figures[f"{server}_track_p99_ms"] = round(simulator.percentile(0.99), 2)
        figures[f"{server}_track_non_200"] = sum(n for status, n in simulator.statuses.items() if status != 200)
    with served("simulator", "granian") as url:
        bulk = run_load(url, "/api/track", bulk_track_body, seconds=seconds, connections=4)
    figures["granian_bulk_events_per_s"] = round(bulk.rate * 1000)
    figures["granian_bulk_non_200"] = sum(n for status, n in bulk.statuses.items() if status != 200)
    figures["bytes_per_stored_event"] = round(bytes_per_stored_event(1000 if quick else 100_000))
    figures["cold_start_s"] = round(cold_start_seconds(), 3)
    for name, value in figures.items():
        print(f"{name:36} {value}")
    return figures


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
