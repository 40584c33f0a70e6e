"""The demo: bundled batches that show every mapped event type, replayed without ever raising."""

from __future__ import annotations

import io
import sys
import types
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

from heap_mock import demo
from heap_mock.server import free_port
from heap_mock.testing import MockClient

HEAP_EVENT_TYPES = {"custom_event", "screen_view", "commerce_event", "session_start", "session_end"}


@dataclass(frozen=True)
class FakeRequest:
    path: str
    body: Any


def fake_forwarder(**members: Any) -> types.ModuleType:
    module = types.ModuleType("forwarder")
    for name, value in members.items():
        setattr(module, name, value)
    return module


def one_track_per_event(batch: dict[str, Any], settings: dict[str, Any]) -> list[FakeRequest]:
    """A stand-in for forwarder.map_batch: enough to prove the demo posts what it is given."""
    identity = batch["user_identities"]["customer_id"]
    return [
        FakeRequest("/api/track", {"app_id": settings["app_id"], "identity": identity, "event": event["event_type"]})
        for event in batch["events"]
    ]


def test_bundled_batches_cover_every_event_type_heap_takes() -> None:
    batches = demo.load_batches()
    types_seen = Counter(event["event_type"] for batch in batches for event in batch["events"])
    assert set(types_seen) == HEAP_EVENT_TYPES
    commerce = [e["data"] for b in batches for e in b["events"] if e["event_type"] == "commerce_event"]
    assert any(len(data.get("product_action", {}).get("products", [])) >= 2 for data in commerce)
    assert {"product_action", "promotion_action", "product_impressions"} <= {key for data in commerce for key in data}
    assert all(batch["user_identities"].get("customer_id") for batch in batches)
    assert sum(1 for batch in batches if batch.get("user_attributes")) >= 3


def test_replay_posts_every_mapped_request_and_prints_one_line(heap_mock: MockClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "forwarder", fake_forwarder(map_batch=one_track_per_event, Settings=dict))
    out = io.StringIO()
    summary = demo.replay_fixtures(heap_mock.url, out=out)
    expected = sum(len(batch["events"]) for batch in demo.load_batches())
    assert summary is not None and summary.requests == expected and summary.statuses == Counter({200: expected})
    assert len(heap_mock.events(app_id=demo.DEMO_APP_ID)) == expected
    assert out.getvalue().count("\n") == 1 and f"{expected} Heap requests" in out.getvalue()


@pytest.mark.parametrize(
    "mapped",
    [
        types.SimpleNamespace(requests=[FakeRequest("/api/track", {})], skipped=[]),
        ([FakeRequest("/api/track", {})], []),
        [{"path": "/api/track", "body": {}}],
    ],
    ids=["result-object", "pair", "dicts"],
)
def test_heap_requests_reads_each_shape_a_mapping_result_may_take(mapped: Any) -> None:
    assert demo.heap_requests(mapped) == [("/api/track", {})]


@pytest.mark.parametrize(
    ("forwarder", "expected"),
    [
        (fake_forwarder(), "forwarder.map_batch or forwarder.Settings is missing"),
        (fake_forwarder(map_batch=one_track_per_event, Settings=lambda app_id: None), "Settings refused"),
        (fake_forwarder(map_batch=lambda batch, settings: 1 / 0, Settings=dict), "ZeroDivisionError"),
    ],
    ids=["not-written-yet", "other-settings", "mapping-bug"],
)
def test_a_failure_prints_one_line_and_never_raises(
    heap_mock: MockClient, monkeypatch: pytest.MonkeyPatch, forwarder: types.ModuleType, expected: str
) -> None:
    monkeypatch.setitem(sys.modules, "forwarder", forwarder)
    out = io.StringIO()
    assert demo.replay_fixtures(heap_mock.url, out=out) is None
    assert out.getvalue().count("\n") == 1 and expected in out.getvalue() and "Traceback" not in out.getvalue()
    assert heap_mock.events() == []


def test_an_unreachable_simulator_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "forwarder", fake_forwarder(map_batch=one_track_per_event, Settings=dict))
    url = f"http://127.0.0.1:{free_port('127.0.0.1')}"  # free a moment ago: nothing listens there
    out = io.StringIO()
    assert demo.replay_fixtures(url, out=out) is None
    assert out.getvalue().startswith(f"heap-mock demo: cannot reach the simulator at {url}")


def test_the_real_forwarder_replays_the_demo_without_a_refusal(heap_mock: MockClient) -> None:
    import forwarder

    if not hasattr(forwarder, "map_batch"):
        pytest.skip("forwarder.map_batch is not written yet (issue 3); the demo waits for it")
    out = io.StringIO()
    summary = demo.replay_fixtures(heap_mock.url, out=out)
    assert summary is not None, out.getvalue()
    assert set(summary.statuses) == {200}, out.getvalue()
    assert len(heap_mock.events(app_id=demo.DEMO_APP_ID)) > 0
