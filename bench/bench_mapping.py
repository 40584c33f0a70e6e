"""Mapping throughput: mParticle events through `forwarder.map_batch` per second, on one core.

The batches are a realistic mix: custom events with a handful of attributes, screen views,
session start and end, and purchases of three products, with user attributes forwarded.
Target (issue 3): at least 20,000 mParticle events per second. The same batches mapped with
`explain=True` (what the pipeline view asks, one batch at a time as it is opened) are timed beside them.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from bench.checks import Check
from forwarder import Settings, map_batch

TARGET_EVENTS_PER_S = 20_000
SETTINGS = Settings(app_id="3958016722", external_id="customer_id", forward_user_attributes=True)


def mixed_batch(number: int, events: int = 20) -> dict[str, Any]:
    """One user's batch of `events` events, about a tenth of them commerce."""
    t0 = 1767225600000 + number * 60_000
    session = {"session_id": 6051321688317951794 + number, "session_uuid": f"84E1B361-{number:08d}"}
    body: list[dict[str, Any]] = [{"event_type": "session_start", "data": {"timestamp_unixtime_ms": t0, **session}}]
    for n in range(1, events - 1):
        data: dict[str, Any] = {"timestamp_unixtime_ms": t0 + n * 1000, **session}
        if n % 10 == 0:
            products = [{"id": f"SKU-{n}-{p}", "name": f"Product {p}", "price": 9.99 + p, "quantity": 1, "brand": "Acme",
                         "custom_attributes": {"color": "blue"}} for p in range(3)]
            data |= {"product_action": {"action": "purchase", "transaction_id": f"T{number}-{n}", "total_amount": 42.0, "products": products},
                     "custom_attributes": {"coupon": "SPRING"}, "currency_code": "USD"}
            body.append({"event_type": "commerce_event", "data": data})
        elif n % 3 == 0:
            body.append({"event_type": "screen_view", "data": data | {"screen_name": f"Screen {n % 7}", "custom_attributes": {"tab": "home"}}})
        else:
            attributes = {"button": f"b{n}", "position": n, "logged_in": True, "section": "catalogue", "tags": ["a", "b"]}
            body.append({"event_type": "custom_event", "data": data | {"event_name": f"Clicked {n % 5}", "custom_event_type": "navigation",
                                                                         "custom_attributes": attributes}})
    body.append({"event_type": "session_end", "data": {"timestamp_unixtime_ms": t0 + events * 1000, "session_duration_ms": 60_000, **session}})
    return {
        "source_request_id": f"bench-{number}",
        "mpid": str(8316526937102465329 + number),
        "environment": "production",
        "device_info": {"platform": "iOS"},
        "user_identities": {"customer_id": f"cust-{number}", "email": f"user{number}@example.com"},
        "user_attributes": {"$firstname": "Ada", "plan": "pro", "visits": number},
        "events": body,
    }


# What the figures must be whatever the machine's speed; `python -m bench` fails naming any that does not hold.
CHECKS = [
    Check("a commerce mix becomes more Heap events than it has events", lambda f: f["heap_events_per_s"] >= f["mparticle_events_per_s"] > 0),
]


def run(quick: bool) -> dict[str, float]:
    seconds = 0.3 if quick else 5.0
    batches = [mixed_batch(number) for number in range(200)]
    events_in = heap_events = mapped = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for batch in batches:
            result = map_batch(batch, SETTINGS)
            events_in += result.events_in
            heap_events += result.heap_events
        mapped += len(batches)
    elapsed = time.perf_counter() - started
    figures = {
        "mparticle_events_per_s": round(events_in / elapsed),
        "heap_events_per_s": round(heap_events / elapsed),
        "batches_per_s": round(mapped / elapsed),
        "target_events_per_s": TARGET_EVENTS_PER_S,
        "share_of_target": round(events_in / elapsed / TARGET_EVENTS_PER_S, 2),
    }
    # The pipeline view maps a batch again with explain=True when it is opened: what that costs, beside the plain run.
    figures["explained_batches_per_s"] = round(_batches_per_s(batches, seconds, explain=True))
    figures["explained_over_plain_ratio"] = round(figures["explained_batches_per_s"] / figures["batches_per_s"], 2)
    for name, value in figures.items():
        print(f"{name:28} {value}")
    return figures


def _batches_per_s(batches: list[dict[str, Any]], seconds: float, *, explain: bool) -> float:
    mapped = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for batch in batches:
            map_batch(batch, SETTINGS, explain=explain)
        mapped += len(batches)
    return mapped / (time.perf_counter() - started)


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
