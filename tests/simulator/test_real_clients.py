"""Heap's real Python client (PyPI `heapapi`) pointed at the simulator: its calls must be stored.

The client hard-codes Heap's host in class attributes, so each test overrides them on the instance.
"""

from __future__ import annotations

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
        heap_client.track("alice", "E", {"flag": True})
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
