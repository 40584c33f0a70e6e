"""heap-forward serve: what the front accepts and delivers, and the latency it adds per batch.

Measured side by side in one run against one in-process simulator with its limits off:

- accept: client threads POST single batches (5 custom events each, a distinct MPID per batch so
  the forwarder's own pacing never binds) to /v2/events; batches/s and events/s answered 202.
- deliver: from the first POST until the queue is empty; Heap events/s stored in the simulator.
- added latency: one batch at a time, POST to the front and wait until it is delivered, against
  the same batch delivered by a Forwarder directly; the medians and their difference and ratio.

Accept and deliver are measured twice: with everything in this process (waitress for both, the
client threads beside them, all sharing one interpreter lock) and, as `make run` runs them, with
`heap-mock serve` (granian) and `heap-forward serve` as processes of their own.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import requests

from bench.checks import Check, ending
from forwarder import Forwarder, Settings
from forwarder.front.front import FrontOptions
from forwarder.front.server import FrontServer
from heap_mock import HeapMockServer
from heap_mock.testing import MockClient

SETTINGS = Settings(app_id="3958016722")
EVENTS_PER_BATCH = 5
CLIENT_THREADS = 4


def make_batch(n: int) -> dict[str, Any]:
    events = [
        {
            "event_type": "custom_event",
            "data": {"event_name": f"Clicked {k}", "custom_event_type": "navigation", "custom_attributes": {"n": n, "k": k}},
        }
        for k in range(EVENTS_PER_BATCH)
    ]
    return {"source_request_id": f"bench-{n}", "mpid": str(10_000_000 + n), "device_info": {"platform": "iOS"}, "events": events}


@contextlib.contextmanager
def pipeline(capacity: int) -> Iterator[tuple[HeapMockServer, FrontServer]]:
    simulator = HeapMockServer(config={"log_requests": False, "limits_enabled": False, "journal_limit": 1000}).start()
    front = FrontServer(FrontOptions(simulator.url, SETTINGS, queue_capacity=capacity)).start()
    try:
        yield simulator, front
    finally:
        front.stop()
        with contextlib.suppress(OSError):  # the waitress trigger race noted in bench_delivery
            simulator.stop()


def post_batches(front_url: str, batches: int) -> None:
    """POST `batches` single batches from CLIENT_THREADS threads; every one must be answered 202."""
    numbers = iter(range(batches))
    lock = threading.Lock()

    def client() -> None:
        session = requests.Session()
        while True:
            with lock:
                n = next(numbers, None)
            if n is None:
                return
            response = session.post(f"{front_url}/v2/events", json=make_batch(n), auth=("bench", "s"), timeout=30)
            assert response.status_code == 202, response.text

    threads = [threading.Thread(target=client) for _ in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def rates(prefix: str, batches: int, front_url: str, simulator_url: str, wait_idle: Callable[[], None]) -> dict[str, float]:
    started = time.perf_counter()
    post_batches(front_url, batches)
    accepted_s = time.perf_counter() - started
    wait_idle()
    delivered_s = time.perf_counter() - started
    stored = MockClient(simulator_url).health()["counts"]["events"]
    assert stored == batches * EVENTS_PER_BATCH, f"{stored} of {batches * EVENTS_PER_BATCH} events stored"
    return {
        f"{prefix}accepted_batches_per_s": round(batches / accepted_s, 1),
        f"{prefix}accepted_events_per_s": round(batches * EVENTS_PER_BATCH / accepted_s, 1),
        f"{prefix}delivered_heap_events_per_s": round(stored / delivered_s, 1),
    }


def accept_and_deliver(batches: int) -> dict[str, float]:
    with pipeline(capacity=batches) as (simulator, front):
        return rates("in_process_", batches, front.url, simulator.url, lambda: _assert(front.front.queue.wait_idle(600)))


def _assert(ok: bool) -> None:
    assert ok, "the front did not deliver its queue"


def _first_line(command: list[str]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def accept_and_deliver_in_processes(batches: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".json") as config:
        json.dump({"limits_enabled": False, "log_requests": False, "journal_limit": 1000}, config)
        config.flush()
        simulator, simulator_url = _first_line(
            [sys.executable, "-m", "heap_mock", "serve", "--port", "0", "--config", config.name]
        )
        front, front_url = _first_line(
            [
                sys.executable,
                "-m",
                "forwarder",
                "serve",
                "--heap-url",
                simulator_url,
                "--app-id",
                SETTINGS.app_id,
                "--port",
                "0",
                "--queue-size",
                str(batches),
            ]
        )
        try:
            return rates("processes_", batches, front_url, simulator_url, lambda: _wait_for_empty_queue(front_url))
        finally:
            for process in (front, simulator):
                process.terminate()
                process.communicate(timeout=30)


def _wait_for_empty_queue(front_url: str) -> None:
    session = requests.Session()
    deadline = time.monotonic() + 600
    while session.get(f"{front_url}/_front/api/status", timeout=10).json()["queue"]["depth"]:
        assert time.monotonic() < deadline, "the front did not deliver its queue"
        time.sleep(0.01)


def added_latency(rounds: int) -> dict[str, float]:
    with pipeline(capacity=10) as (simulator, front):
        session = requests.Session()
        direct = Forwarder(SETTINGS, simulator.url)
        through_front, straight = [], []
        for n in range(rounds):
            started = time.perf_counter()
            session.post(f"{front.url}/v2/events", json=make_batch(1_000_000 + n), auth=("bench", "s"), timeout=30)
            front.front.queue.wait_idle(30)
            through_front.append(time.perf_counter() - started)
            started = time.perf_counter()
            direct.forward(make_batch(2_000_000 + n))
            straight.append(time.perf_counter() - started)
    front_ms, direct_ms = statistics.median(through_front) * 1000, statistics.median(straight) * 1000
    return {
        "batch_via_front_median_ms": round(front_ms, 2),
        "batch_direct_median_ms": round(direct_ms, 2),
        "latency_added_ms": round(front_ms - direct_ms, 2),
        "latency_ratio": round(front_ms / direct_ms, 2),
    }


# What the figures must be whatever the machine's speed; `python -m bench` fails naming any that does not hold.
CHECKS = [
    Check("accepted and delivered", lambda f: all(value > 0 for value in ending(f, "_per_s"))),
    Check("latencies measured", lambda f: f["batch_via_front_median_ms"] > 0 and f["batch_direct_median_ms"] > 0),
]


def run(quick: bool) -> dict[str, float]:
    batches = 60 if quick else 5000
    figures = {**accept_and_deliver(batches), **accept_and_deliver_in_processes(batches), **added_latency(10 if quick else 300)}
    for name, value in figures.items():
        print(f"{name:42} {value}")
    return figures


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
