"""Heap's real clients pointed at the simulator: their calls must be stored.

- the Python client on PyPI (`heapapi`), whose host is a class attribute each test overrides;
- Heap's official Node client (npm `heap-api`), driven by tests/realclients/heap_node_client.js.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import requests
from heapapi import HeapAPIClient

from heap_mock.testing import MockClient


@pytest.fixture
def heap_client(heap_mock: MockClient) -> HeapAPIClient:
    client = HeapAPIClient(11)
    client.track_api = f"{heap_mock.url}/api/track"
    client.props_api = f"{heap_mock.url}/api/add_user_properties"
    return client


def test_track_and_user_properties_are_stored(heap_client: HeapAPIClient, heap_mock: MockClient) -> None:
    heap_client.track("alice@example.com", "Signed Up", {"plan": "pro", "seats": 3})
    heap_client.add_user_properties("alice@example.com", {"Role": "Admin"})
    [event] = heap_mock.events()
    assert (event["app_id"], event["identity"], event["event"], event["properties"]) == ("11", "alice@example.com", "Signed Up", {"plan": "pro", "seats": 3})
    assert heap_mock.users()[0]["properties"] == {"Role": "Admin"}


def test_bulk_track_is_chunked_into_1000s_and_stored(heap_client: HeapAPIClient, heap_mock: MockClient) -> None:
    events = [{"identity": f"user-{i % 3}", "event": "Item", "properties": {"n": i}} for i in range(2500)]
    responses = heap_client.bulk_track(events)
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert len(heap_mock.events()) == 2500
    assert [len(r["body"]["events"]) for r in heap_mock.requests()] == [1000, 1000, 500]


def test_client_surfaces_the_simulators_400(heap_client: HeapAPIClient, heap_mock: MockClient) -> None:
    with pytest.raises(requests.HTTPError) as raised:
        heap_client.track("alice", "E", {"flag": None})
    assert raised.value.response.status_code == 400
    assert "postBody.events[0].properties.flag should be string or number" in raised.value.response.text
    assert heap_mock.events() == []


def test_client_hits_the_documented_track_limit(heap_client: HeapAPIClient, heap_mock: MockClient) -> None:
    for _ in range(30):
        heap_client.track("alice", "E")
    with pytest.raises(requests.HTTPError) as raised:
        heap_client.track("alice", "E")
    assert raised.value.response.status_code == 429
    heap_mock.advance(30)
    assert heap_client.track("alice", "E").status_code == 200


NODE_CLIENT = Path(__file__).resolve().parents[1] / "realclients"


@pytest.mark.skipif(
    shutil.which("node") is None or not (NODE_CLIENT / "node_modules" / "heap-api").is_dir(),
    reason="needs node and `npm ci --prefix tests/realclients` (make test runs it where npm exists)",
)
def test_heaps_node_client_is_stored_and_sees_the_429(heap_mock: MockClient) -> None:
    script = NODE_CLIENT / "heap_node_client.js"
    result = subprocess.run(["node", str(script), heap_mock.url, "11"], capture_output=True, text=True, timeout=60, check=True)
    outcomes = {outcome["call"]: outcome for outcome in json.loads(result.stdout)}
    assert outcomes["track"]["ok"] and outcomes["addUserProperties"]["ok"]
    assert "Heap API server error 429" in outcomes["track-over-limit"]["message"]
    signed_up = heap_mock.events(event="Signed Up")
    assert [(e["identity"], e["properties"]) for e in signed_up] == [("alice@example.com", {"plan": "pro", "seats": 3})]
    assert len(heap_mock.events(identity="bot")) == 30
    assert heap_mock.users(identity="alice@example.com")[0]["properties"] == {"Role": "Admin"}
    first_body = heap_mock.requests()[0]["body"]
    assert first_body == {"app_id": "11", "event": "Signed Up", "identity": "alice@example.com", "properties": {"plan": "pro", "seats": 3}}


def test_a_boolean_sent_through_heaps_python_client_is_accepted_with_a_warning(heap_client: HeapAPIClient, heap_mock: MockClient) -> None:
    # Under the default fidelity, `observed`: live Heap took booleans (tests/simulator/live_heap_replays.py).
    assert heap_client.track("alice", "E", {"flag": True}).status_code == 200
    [event] = heap_mock.events()
    assert event["properties"] == {"flag": "true"} and [w["rule_id"] for w in event["warnings"]] == ["properties.boolean"]
