"""heap-forward serve: what the front accepts and delivers, and the latency it adds per batch.

Measured side by side in one run against one in-process simulator with its limits off:

- accept: client threads POST single batches (5 custom events each, a distinct MPID per batch so
  the forwarder's own pacing never binds) to /v2/events; batches/s and events/s answered 202.
- deliver: from the first POST until the queue is empty; Heap events/s stored in the simulator.
- added latency: one batch at a time, POST to the front and wait until it is delivered, against
  the same batch delivered by a Forwarder directly; the medians and their difference and ratio.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import requests

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
        {"event_type": "custom_event", "data": {"event_name": f"Clicked {k}", "custom_event_type": "navigation", "custom_attributes": {"n": n, "k": k}}}
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


def accept_and_deliver(batches: int) -> dict[str, float]:
    with pipeline(capacity=batches) as (simulator, front):
        numbers = iter(range(batches))
        lock = threading.Lock()

        def client() -> None:
            session = requests.Session()
            while True:
                with lock:
                    n = next(numbers, None)
                if n is None:
                    return
                response = session.post(f"{front.url}/v2/events", json=make_batch(n), auth=("bench", "s"), timeout=30)
                assert response.status_code == 202, response.text

        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(CLIENT_THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        accepted_s = time.perf_counter() - started
        assert front.front.queue.wait_idle(600), "the front did not deliver its queue"
        delivered_s = time.perf_counter() - started
        stored = MockClient(simulator.url).health()["counts"]["events"]
    return {
        "accepted_batches_per_s": round(batches / accepted_s, 1),
        "accepted_events_per_s": round(batches * EVENTS_PER_BATCH / accepted_s, 1),
        "delivered_heap_events_per_s": round(stored / delivered_s, 1),
        "heap_events_stored": float(stored),
    }


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


def run(quick: bool) -> dict[str, float]:
    figures = {**accept_and_deliver(60 if quick else 5000), **added_latency(10 if quick else 300)}
    for name, value in figures.items():
        print(f"{name:30} {value}")
    return figures


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
