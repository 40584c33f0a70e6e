"""The console's questions against a full simulator, over loopback.

The store is filled in-process through the state's own API (1,000,000 events in bulk requests and
100,000 journal entries, limits off), then every question the console asks is timed over real
HTTP, as the console asks it: the counts it polls (all, by status, by rule), a page of events,
requests and users newest first or filtered by identity, app or event name, and a text search.
Each figure is the median of a few requests. Memory per stored event is the growth of the
process's resident set over the fill, divided by the events stored.

The newest 200 journal entries are bulk tracks of 1,000 events: a page of requests lists summaries
(no bodies), so it costs what a page of small requests costs; the same page with every body
(`fields=full`) is timed beside it, and one bulk entry opened whole. Then the whole session is
exported (GET /_mock/export) and read and loaded into a fresh state, as `heap-mock serve --load` does.

Targets (issue 12): counts <= 20 ms, pages <= 50 ms, text search <= 500 ms, <= 1.3 KiB per event;
(issue 21) the newest page of requests <= 50 ms with bulk bodies.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import requests

from bench.checks import Check, ending
from heap_mock import HeapMockServer
from heap_mock.config import Config
from heap_mock.endpoints.track import TrackEvent, TrackRequest
from heap_mock.errors import PayloadRejected, Throttled, Violation
from heap_mock.store.journal import Exchange
from heap_mock.store.session import read_session
from heap_mock.store.state import SimulatorState

APPS = ("11", "22", "33")
IDENTITIES = 50_000
EVENT_NAMES = 40
START = 1767225600.0  # 2026-01-01T00:00:00Z


def rss_bytes() -> int:
    """The process's resident set, from /proc (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096


def fill_events(state: SimulatorState, count: int) -> None:
    """`count` events in bulk requests of 1000, spread over apps, identities and event names, each with
    properties of its own (so no two share their JSON text)."""
    for first in range(0, count, 1000):
        app = APPS[(first // 1000) % len(APPS)]
        events = [
            TrackEvent(app, f"user-{i % IDENTITIES}@example.com", None, f"Event {i % EVENT_NAMES}", START + i,
                       {"n": i, "plan": "pro" if i % 3 else "free", "sku": f"SKU-{i % 977}"}, None, f"key-{i}")
            for i in range(first, min(first + 1000, count))
        ]
        state.ingest_track(TrackRequest(app, events, True), f"req-fill-{first}", START, 1.0)


BULK_ENTRIES = 200  # the newest journal entries are bulk tracks of 1,000 events (about 100 KB each), as in issue 21


def bulk_body(number: int) -> bytes:
    events = [{"identity": f"user-{number}-{i}@example.com", "event": f"Event {i % EVENT_NAMES}", "idempotency_key": f"bulk-{number}-{i}",
               "properties": {"n": i, "plan": "pro", "sku": f"SKU-{i % 977}"}} for i in range(1000)]
    return orjson.dumps({"app_id": "11", "events": events})


def fill_journal(state: SimulatorState, count: int) -> None:
    """`count` journal entries: mostly accepted single tracks, some refused, throttled and faulted;
    the newest `BULK_ENTRIES` accepted bulk tracks of 1,000 events."""
    for i in range(count):
        exchange = Exchange(f"req-{i}", "POST", "/api/track", START + i)
        exchange.raw = b'{"app_id":"11","identity":"user-%d@example.com","event":"Signed Up","properties":{"plan":"pro"}}' % i
        status = 200
        if i >= count - BULK_ENTRIES:
            exchange.raw, exchange.stored = bulk_body(i), 1000
        elif i % 10 == 1:
            exchange.error, status = PayloadRejected([Violation("app_id.numeric", "postBody.app_id", "should be a numeric environment ID")]), 400
        elif i % 10 == 2:
            exchange.error, status = Throttled("limit.track", "limit.track (30 requests per 30 s per identity per app_id)", 3), 429
        else:
            exchange.stored = 1
        exchange.finish(status)
        state.journal.record(exchange)


def median_ms(session: requests.Session, url: str, params: dict[str, Any], repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = session.get(url, params=params, timeout=60)
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return round(statistics.median(timings), 2)


QUESTIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "count_health_ms": ("/_mock/health", {}),
    "count_requests_all_ms": ("/_mock/requests", {"limit": 0}),
    "count_requests_by_status_ms": ("/_mock/requests", {"status": 400, "limit": 0}),
    "count_requests_by_rule_ms": ("/_mock/requests", {"rule_id": "limit.track", "limit": 0}),
    "page_events_newest_ms": ("/_mock/events", {"order": "desc", "limit": 50}),
    "page_events_by_identity_ms": ("/_mock/events", {"order": "desc", "limit": 50, "identity": "user-4242@example.com"}),
    "page_events_by_app_ms": ("/_mock/events", {"order": "desc", "limit": 50, "app_id": "22"}),
    "page_events_by_event_name_ms": ("/_mock/events", {"order": "desc", "limit": 50, "event": "Event 7"}),
    "page_events_by_app_and_name_ms": ("/_mock/events", {"order": "desc", "limit": 50, "app_id": "22", "event": "Event 7"}),
    "page_requests_newest_ms": ("/_mock/requests", {"order": "desc", "limit": 50}),
    "page_requests_newest_with_bodies_ms": ("/_mock/requests", {"order": "desc", "limit": 50, "fields": "full"}),
    "open_bulk_request_ms": ("/_mock/requests/req-{newest}", {}),
    "page_requests_by_status_ms": ("/_mock/requests", {"order": "desc", "limit": 50, "status": 429}),
    "page_users_newest_ms": ("/_mock/users", {"order": "desc", "limit": 50}),
    "text_search_ms": ("/_mock/events", {"order": "desc", "limit": 50, "q": "sku-976"}),
    # A link from heap-forward serve's pipeline view: not indexed (nearly one value per event), so it walks.
    "page_events_by_lineage_ms": ("/_mock/events", {"order": "desc", "limit": 50, "lineage": "http://127.0.0.1:8081/_front/pipeline#batch-1-event-0"}),
}


def export_and_load(url: str, config: dict[str, Any]) -> dict[str, float]:
    """The whole session through GET /_mock/export, then read and loaded into a fresh state."""
    started = time.perf_counter()
    data = requests.get(f"{url}/_mock/export", timeout=600).content
    exported = time.perf_counter() - started
    started = time.perf_counter()
    SimulatorState(Config.from_mapping(config)).load(read_session(data))
    loaded = time.perf_counter() - started
    return {"export_s": round(exported, 2), "export_mib": round(len(data) / 2**20, 1), "load_s": round(loaded, 2)}


# What the figures must be whatever the machine's speed; `python -m bench` fails naming any that does not hold.
CHECKS = [
    Check("every question answered", lambda f: all(value > 0 for value in ending(f, "_ms"))),
    # As the simulator counts them, not as asked. (Memory per event is a figure, not a check: at the
    # quick run's 20,000 events the RSS may not grow at all, the allocator reusing freed pages.)
    Check("the store filled", lambda f: f["stored_events"] == f["events_sent"] and f["journal_entries"] == f["journal_entries_sent"]),
]


def run(quick: bool) -> dict[str, float]:
    events, entries = (20_000, 2_000) if quick else (1_000_000, 100_000)
    repeats = 3 if quick else 7
    figures: dict[str, float] = {}
    config = {"log_requests": False, "limits_enabled": False, "journal_limit": entries, "max_events": events}
    with HeapMockServer(config=config, threads=2) as server:
        state = server.simulator.state
        gc.collect()
        before = rss_bytes()
        started = time.perf_counter()
        fill_events(state, events)
        figures["fill_events_per_s"] = round(events / (time.perf_counter() - started))
        gc.collect()
        figures["bytes_per_stored_event"] = round((rss_bytes() - before) / events)
        fill_journal(state, entries)
        session = requests.Session()
        for name, (path, params) in QUESTIONS.items():
            figures[name] = median_ms(session, f"{server.url}{path.format(newest=entries - 1)}", params, repeats)
        counts = session.get(f"{server.url}/_mock/health", timeout=60).json()["counts"]
        figures["stored_events"], figures["journal_entries"] = counts["events"], counts["requests"]
        figures.update(export_and_load(server.url, config))
    # What the summaries save: the same page with every body rendered, side by side (issue 21).
    figures["bodies_over_summaries_ratio"] = round(figures["page_requests_newest_with_bodies_ms"] / figures["page_requests_newest_ms"], 1)
    figures["events_sent"], figures["journal_entries_sent"] = events, entries
    for name, value in figures.items():
        print(f"{name:40} {value}")
    return figures


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
