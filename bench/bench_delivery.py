"""Delivery efficiency in virtual time: a commerce-heavy batch for one identity, against the simulator.

The batch (3,000 mParticle events; 300 in quick mode) is nine tenths purchases of 1 to 9 products,
each a bulk request of 2 to 10 Heap events, and one tenth custom events and screen views, each a
single track request. The documented limits set a floor on how soon the last request can go:

    bulk   (ceil(bulk events / 1000) - 1) x 60 s   per identity, and the same with 15,000 per app
    track  (ceil(track requests / 30) - 1) x 30 s  per identity, and likewise user properties

The forwarder's virtual time to deliver everything, over that floor, is the efficiency ratio
(target: at most 1.1), with zero 429s from the simulator.
"""

from __future__ import annotations

import contextlib
import math
import random
import sys
import time
from collections.abc import Iterator
from typing import Any

from bench.checks import Check
from forwarder import Forwarder, Settings, map_batch
from forwarder.virtual_time import SimulatorTime
from heap_mock import HeapMockServer
from heap_mock.testing import MockClient

SETTINGS = Settings(app_id="3958016722", external_id="customer_id", forward_user_attributes=True)
TARGET_RATIO = 1.1


def commerce_heavy_batch(events: int) -> dict[str, Any]:
    t0 = 1767225600000
    body: list[dict[str, Any]] = []
    for n in range(events):
        data: dict[str, Any] = {"timestamp_unixtime_ms": t0 + n * 100, "session_id": 77}
        if n % 10 == 9:
            kind = "screen_view" if n % 20 == 9 else "custom_event"
            extra = {"screen_name": f"Screen {n % 7}"} if kind == "screen_view" else {"event_name": "Clicked", "custom_event_type": "navigation"}
            body.append({"event_type": kind, "data": data | extra | {"custom_attributes": {"n": n}}})
            continue
        products = [{"id": f"SKU-{n}-{p}", "name": f"Product {p}", "price": 5.0 + p, "quantity": 1} for p in range(n % 9 + 1)]
        data |= {"product_action": {"action": "purchase", "transaction_id": f"T{n}", "products": products}, "custom_attributes": {"store": "web"}}
        body.append({"event_type": "commerce_event", "data": data})
    return {
        "source_request_id": "bench-delivery",
        "user_identities": {"customer_id": "cust-bench"},
        "device_info": {"platform": "Android"},
        "user_attributes": {"plan": "pro"},
        "events": body,
    }


def floor_seconds(batch: dict[str, Any]) -> float:
    """The least time the documented limits allow before the last request of `batch` can go."""
    requests = map_batch(batch, SETTINGS).requests
    bulk_events = sum(request.heap_events for request in requests if request.kind == "bulk_track")
    track = sum(1 for request in requests if request.kind == "track")
    user_properties = sum(1 for request in requests if request.kind == "user_properties")

    def windows(units: int, limit: int, window_s: float) -> float:
        return max(0, math.ceil(units / limit) - 1) * window_s

    return max(windows(bulk_events, 1000, 60.0), windows(bulk_events, 15_000, 60.0), windows(track, 30, 30.0), windows(user_properties, 30, 30.0))


@contextlib.contextmanager
def simulator() -> Iterator[HeapMockServer]:
    """A simulator for the run. Stopping it can race in HeapMockServer.stop (the waitress trigger's
    thunk may run, and close the trigger, before stop's own write to it, which then raises EBADF);
    by then the server is closed, so that OSError is ignored here rather than failing the benchmark."""
    server = HeapMockServer(config={"log_requests": False, "journal_limit": 100_000}).start()
    try:
        yield server
    finally:
        with contextlib.suppress(OSError):
            server.stop()


# What the figures must be whatever the machine's speed; `python -m bench` fails naming any that does not hold.
CHECKS = [
    Check("no 429 and no failure", lambda f: f["responses_429"] == 0 and f["failed_requests"] == 0),
    Check("every event delivered is stored", lambda f: f["heap_events_stored"] == f["heap_events_delivered"] > 0),
    Check("within the target of the floor", lambda f: f["floor_s"] <= f["virtual_s"] <= f["floor_s"] * f["target_ratio"]),
]


def run(quick: bool) -> dict[str, float]:
    batch = commerce_heavy_batch(300 if quick else 3000)
    floor = floor_seconds(batch)
    with simulator() as server:
        mock = MockClient(server.url)
        mock.set_clock("2026-01-01T00:00:00Z")
        clock = SimulatorTime(server.url)
        forwarder = Forwarder(SETTINGS, server.url, clock=clock, rng=random.Random(0))
        started = time.perf_counter()
        result = forwarder.forward(batch)
        real_s = time.perf_counter() - started
        refused = sum(1 for request in mock.requests() if request["status"] == 429)
        stored = len(mock.events(identity="cust-bench"))
    figures = {
        "mparticle_events": float(result.events_in),
        "heap_events_delivered": float(result.heap_events_delivered),
        "heap_events_stored": float(stored),
        "requests": float(forwarder.stats.attempts),
        "responses_429": float(refused),
        "failed_requests": float(len(result.failed)),
        "virtual_s": round(clock.now(), 3),
        "floor_s": floor,
        "efficiency_ratio": round(clock.now() / floor, 5) if floor else 1.0,
        "target_ratio": TARGET_RATIO,
        "real_s": round(real_s, 2),
    }
    for name, value in figures.items():
        print(f"{name:24} {value}")
    return figures


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
