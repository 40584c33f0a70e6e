"""Why orjson: parsing a 1000-event bulk track body and serialising a 1000-event inspection answer,
stdlib `json` against `orjson`, on one core."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import orjson

from bench.checks import Check, ending


def _bulk_body() -> bytes:
    events = [{"identity": f"user-{i}@example.com", "event": "Product Action Event", "timestamp": "2026-01-01T00:00:00Z",
               "idempotency_key": f"batch-1:{i}", "properties": {"action": "purchase", "sku": f"SKU-{i}", "price": 9.99}}
              for i in range(1000)]
    return orjson.dumps({"app_id": "11", "events": events})


def _per_second(work: Callable[[], Any], seconds: float) -> float:
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        work()
        done += 1
    return done / (time.perf_counter() - started)


# What the figures must be whatever the machine's speed; `python -m bench` fails naming any that does not hold.
CHECKS = [Check("both parsers and writers ran", lambda f: all(value > 0 for value in ending(f, "_per_s")))]


def run(quick: bool) -> dict[str, float]:
    seconds = 0.1 if quick else 2.0
    body = _bulk_body()
    parsed = orjson.loads(body)
    figures = {
        "stdlib_parse_bulk_per_s": round(_per_second(lambda: json.loads(body), seconds), 1),
        "orjson_parse_bulk_per_s": round(_per_second(lambda: orjson.loads(body), seconds), 1),
        "stdlib_dump_events_per_s": round(_per_second(lambda: json.dumps(parsed).encode(), seconds), 1),
        "orjson_dump_events_per_s": round(_per_second(lambda: orjson.dumps(parsed), seconds), 1),
    }
    figures["orjson_parse_speedup"] = round(figures["orjson_parse_bulk_per_s"] / figures["stdlib_parse_bulk_per_s"], 2)
    figures["orjson_dump_speedup"] = round(figures["orjson_dump_events_per_s"] / figures["stdlib_dump_events_per_s"], 2)
    for name, value in figures.items():
        print(f"{name:28} {value}")
    return figures


if __name__ == "__main__":
    run(quick=False)
