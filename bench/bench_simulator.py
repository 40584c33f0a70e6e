"""The running simulator over loopback with concurrent clients, against a bare Flask ceiling.

Figures: single-track requests/s with p50/p99 latency, bulk-track events/s, the same request rate
for a bare Flask endpoint on the same server (the ceiling), memory per stored event at 100,000
events, and cold start to first answer. Servers: granian (what `heap-mock serve` uses) and, in a
full run, waitress (what `HeapMockServer` uses), so the README can show why granian was chosen. A
full run also measures one request thread beside the default two, and a framework-free WSGI
callable (bench/bare_app.py) that shows how much of the server's own ceiling the simulator uses.

Single-track and bare-Flask rates are measured with wrk (2 threads, 8 connections, bench/track.lua)
when it is on PATH, as the project's reference figures are, because a Python load generator takes
much of this 2-core machine's CPU and understates both servers; without wrk (as in CI) they fall
back to bench/loadgen.py. Bulk track always uses loadgen. The output names the generator used.
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
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from bench.checks import Check, containing, ending
from bench.loadgen import LoadResult, run_load
from bench.wrk import WrkResult, run_wrk, wrk_path
from heap_mock import create_app
from heap_mock.server import free_port

IDENTITY_POOL = 20_000
TRACK_SCRIPT = Path(__file__).with_name("track.lua")  # wrk's copy of single_track_body
LOAD_THREADS, CONNECTIONS = 2, 8  # the same for wrk (-t2 -c8) and loadgen (2 processes, 8 connections)


def single_track_body(counter: int) -> bytes:
    # bench/track.lua builds the same bodies for wrk: change both together.
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


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.01)
    raise RuntimeError(f"server on port {port} did not start within {timeout} s")


class Setup(NamedTuple):
    """One thing to measure: what answers (`simulator`, or a ceiling of BARE_APPS), on which server,
    with how many request threads. Servers are measured at one and two threads because one is the
    faster for a Python app on two cores and two is what `heap-mock serve` uses by default."""

    target: str
    server: str
    threads: int

    @property
    def name(self) -> str:
        return f"{self.server}_t{self.threads}_{self.target}"


# The ceilings in bench/bare_app.py, by target name.
BARE_APPS = {"bare": "app", "bare_wsgi": "wsgi_app", "bare_rsgi": "rsgi_app", "bare_rsgi_unread": "rsgi_app_unread"}


def _command(setup: Setup, port: int, config: Path) -> list[str]:
    if setup.target == "simulator":
        return [sys.executable, "-m", "heap_mock", "serve", "--port", str(port), "--server", setup.server,
                "--threads", str(setup.threads), "--config", str(config)]
    app = f"bench.bare_app:{BARE_APPS[setup.target]}"
    if setup.server == "granian":
        interface = "rsgi" if setup.target.startswith("bare_rsgi") else "wsgi"
        return [sys.executable, "-m", "granian", "--interface", interface, "--port", str(port), "--workers", "1",
                "--blocking-threads", str(setup.threads), "--log-level", "warning", app]
    return [sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}", f"--threads={setup.threads}", app]


@contextlib.contextmanager
def served(setup: Setup) -> Iterator[str]:
    """Run the simulator or a bare app on a server in its own process; yields its URL."""
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config.json"
        config.write_text(json.dumps({"journal_limit": 1000}))
        port = free_port("127.0.0.1")
        process = subprocess.Popen(_command(setup, port, config), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port)
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
                sock.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")  # a name it answers (origin_policy)
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


@dataclass(frozen=True)
class TrackRate:
    """Single-track figures in one shape whichever generator measured them, so run() need not care."""

    rate: float
    p50_ms: float
    p99_ms: float
    non_200: int  # loadgen: any status but 200; wrk: status 400 or above, plus socket errors

    @classmethod
    def from_loadgen(cls, result: LoadResult) -> TrackRate:
        return cls(result.rate, result.percentile(0.50), result.percentile(0.99),
                   sum(n for status, n in result.statuses.items() if status != 200))

    @classmethod
    def from_wrk(cls, result: WrkResult) -> TrackRate:
        return cls(result.rate, result.p50_ms, result.p99_ms, result.failures)


def _durations(quick: bool, wrk: str | None) -> tuple[float, float]:
    """Warm-up and measured seconds. A warm-up keeps first-request costs out of the figures; wrk's -d
    takes whole seconds only, so a quick wrk run measures for 1 s and skips the warm-up to stay brief."""
    if not quick:
        return 1.0, 10.0
    return (0.0, 1.0) if wrk else (0.2, 0.25)


def _wrk_track(wrk: str, url: str, seconds: float) -> TrackRate:
    """Single-track POSTs from wrk, bodies built by bench/track.lua over the same identity pool."""
    result = run_wrk(wrk, f"{url}/api/track", TRACK_SCRIPT, round(seconds), threads=LOAD_THREADS, connections=CONNECTIONS,
                     script_args=[str(IDENTITY_POOL), str(LOAD_THREADS)])
    return TrackRate.from_wrk(result)


def _loadgen_track(url: str, seconds: float) -> TrackRate:
    """Single-track POSTs from bench/loadgen.py, for machines without wrk."""
    result = run_load(url, "/api/track", single_track_body, seconds=seconds, processes=LOAD_THREADS, connections=CONNECTIONS)
    return TrackRate.from_loadgen(result)


def _track(wrk: str | None, url: str, seconds: float) -> TrackRate:
    """Single-track figures from wrk when given its path, else from loadgen."""
    return _wrk_track(wrk, url, seconds) if wrk else _loadgen_track(url, seconds)


def _measure(setup: Setup, quick: bool, wrk: str | None) -> TrackRate:
    """Serve `setup`, warm it up, then measure, both with the same generator."""
    warm_up, seconds = _durations(quick, wrk)
    with served(setup) as url:
        if warm_up:
            _track(wrk, url, warm_up)
        return _track(wrk, url, seconds)


def _setups(quick: bool) -> list[Setup]:
    """A quick run measures the simulator as `heap-mock serve` runs it and the bare Flask ceiling beside it;
    a full run adds one thread, framework-free WSGI and RSGI callables (the server's own ceilings, and
    what awaiting the body costs on RSGI) and waitress."""
    setups = [Setup("simulator", "granian", 2), Setup("bare", "granian", 2)]
    if not quick:
        setups += [Setup("simulator", "granian", 1), Setup("bare", "granian", 1), Setup("bare_wsgi", "granian", 1),
                   Setup("bare_rsgi", "granian", 1), Setup("bare_rsgi_unread", "granian", 1),
                   Setup("simulator", "waitress", 2), Setup("bare", "waitress", 2)]
    return setups


def _track_figures(rates: dict[Setup, TrackRate]) -> dict[str, float]:
    """Rate, p50, p99 and failures per setup, and the simulator's share of the fastest bare Flask measured."""
    figures: dict[str, float] = {}
    for setup, rate in rates.items():
        figures[f"{setup.name}_rps"] = round(rate.rate)
        figures[f"{setup.name}_p50_ms"] = round(rate.p50_ms, 2)
        figures[f"{setup.name}_p99_ms"] = round(rate.p99_ms, 2)
        figures[f"{setup.name}_non_200"] = rate.non_200
    fastest_bare = max(rate.rate for setup, rate in rates.items() if setup.target == "bare")
    default = rates[Setup("simulator", "granian", 2)].rate  # as `heap-mock serve` runs
    figures["simulator_share_of_fastest_bare_flask"] = round(default / fastest_bare, 3) if fastest_bare else 0.0
    return figures


# What the figures must be whatever the machine's speed; `python -m bench` fails naming any that does not hold.
CHECKS = [
    Check("every request answered 200", lambda f: all(value == 0 for value in ending(f, "_non_200"))),
    Check("rates and latencies measured", lambda f: all(value > 0 for value in ending(f, "_rps"))),
    Check("p99 at least p50", lambda f: all(f[name.replace("_p50_", "_p99_")] >= f[name] for name in containing(f, "_p50_"))),
]


def run(quick: bool) -> dict[str, float]:
    bulk_seconds = 0.25 if quick else 10.0
    wrk = wrk_path()
    figures = _track_figures({setup: _measure(setup, quick, wrk) for setup in _setups(quick)})
    with served(Setup("simulator", "granian", 2)) as url:
        bulk = run_load(url, "/api/track", bulk_track_body, seconds=bulk_seconds, connections=4)
    figures["granian_bulk_events_per_s"] = round(bulk.rate * 1000)
    figures["granian_bulk_non_200"] = sum(n for status, n in bulk.statuses.items() if status != 200)
    figures["bytes_per_stored_event"] = round(bytes_per_stored_event(1000 if quick else 100_000))
    figures["cold_start_s"] = round(cold_start_seconds(), 3)
    # Named apart from the figures (which are numbers), so README figures can say what measured them.
    generator = f"wrk -t{LOAD_THREADS} -c{CONNECTIONS}" if wrk else "loadgen"
    print(f"{'load_generator':40} {generator}")
    print(f"{'bulk_load_generator':40} loadgen")
    for name, value in figures.items():
        print(f"{name:40} {value}")
    return figures


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
