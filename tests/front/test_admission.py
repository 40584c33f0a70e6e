"""Admission by what an upload becomes, not its raw bytes (issue 18, item 2): a commerce event whose
products are `{}` (3 bytes each) becomes one Heap event per product, and reading `{}` costs about 80
bytes each. Such uploads are refused with mParticle's error shape before the work is done."""

from __future__ import annotations

import platform
import tracemalloc
from typing import Any

import orjson
import pytest

from forwarder.front.admission import json_values, read_cost
from forwarder.front.malloc import share_malloc_arenas
from heap_mock.testing import MockClient
from tests.front.conftest import FrontFactory, FrontUnderTest, batch, custom

EMPTY_PRODUCTS = b'{"mpid": "42", "device_info": {"platform": "web"}, "events": [{"event_type": "commerce_event", "data": {"product_action": {"action": "purchase", "products": [%s]}}}]}'


def empty_products(count: int) -> bytes:
    """A web SDK batch: one purchase of `count` products `{}`, the issue's amplifying shape."""
    return EMPTY_PRODUCTS % b",".join([b"{}"] * count)


def web_upload(front: FrontUnderTest, body: bytes) -> Any:
    """As any web page can send it: text/plain, so no preflight."""
    return front.http.post(f"{front.url}/v3/JS/any-key/events", data=body, headers={"Content-Type": "text/plain"}, timeout=30)


def test_an_upload_that_would_become_too_many_heap_events_is_refused_naming_the_event(
    make_front: FrontFactory, heap_mock: MockClient
) -> None:
    front = make_front(max_upload_events=100)
    refused = web_upload(front, empty_products(100))  # a main event and 100 items: 101 Heap events
    assert refused.status_code == 413
    (error,) = refused.json()["errors"]
    assert (error["code"], error["path"]) == ("PAYLOAD_TOO_LARGE", "$.events[0]")
    assert "up to 101 Heap events" in error["message"] and "--max-upload-events" in error["message"]
    assert front.server.front.queue.depth() == 0
    assert front.batches()[0]["status"] == "refused"
    assert web_upload(front, empty_products(99)).status_code == 202  # 100: at the limit
    front.settle()
    assert len(heap_mock.events()) == 100


def test_a_bulk_upload_names_the_batch_and_the_event(make_front: FrontFactory) -> None:
    front = make_front(max_upload_events=100)
    body = orjson.dumps([batch(custom("Fine")), orjson.loads(empty_products(100))])
    refused = front.http.post(f"{front.url}/v2/bulkevents", data=body, auth=("k", "s"), timeout=10)
    assert refused.status_code == 413 and refused.json()["errors"][0]["path"] == "$[1].events[0]"
    assert front.server.front.queue.depth() == 0  # nothing of it half-accepted


def test_an_upload_that_would_take_too_much_memory_to_read_is_refused_unread(front: FrontUnderTest) -> None:
    body = empty_products(1_000_000)  # 3 MB; read, a million objects; mapped, a million Heap events
    refused = web_upload(front, body)
    assert refused.status_code == 413
    (error,) = refused.json()["errors"]
    assert (error["code"], error["path"]) == ("PAYLOAD_TOO_LARGE", "$")
    assert f"{json_values(body)} JSON values" in error["message"]
    assert front.server.front.reading.used() == 0 and front.server.front.queue.depth() == 0


def test_uploads_beyond_what_the_front_reads_at_once_are_asked_to_come_back(front: FrontUnderTest) -> None:
    reading = front.server.front.reading
    with reading.reserve() as other:  # as if another upload were being read
        other.grow_to(reading.total - 100)
        busy = front.post("/v2/events", batch(custom("A")))  # its body is not even read
    assert (busy.status_code, busy.headers["Retry-After"]) == (429, "1")
    assert "busy reading other uploads" in busy.json()["errors"][0]["message"]
    assert front.post("/v2/events", batch(custom("A"))).status_code == 202


SHAPES = {
    "empty objects": b"[" + b"{}," * 9999 + b"{}]",
    "empty lists": b"[" + b"[]," * 9999 + b"[]]",
    "one-letter strings": b"[" + b'"a",' * 9999 + b'"a"]',
    "floats": b"[" + b"1.5," * 9999 + b"1.5]",
    "big integers": b"[" + b"12345678901234567," * 9999 + b"1]",
    "keys": b"{" + b",".join(b'"k%d":0' % n for n in range(10_000)) + b"}",
    "nested": b"[" * 500 + b"]" * 500,
    "products": empty_products(10_000),
    "a realistic batch": orjson.dumps(batch(*[custom(f"Event {n}", plan="pro", n=n) for n in range(300)])),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_the_read_cost_is_more_than_what_reading_keeps(shape: str) -> None:
    # The Python objects a read leaves, as tracemalloc counts them; the parser's transient working
    # memory, and the resident memory of the whole front, are measured by bench/bench_front.py.
    body = SHAPES[shape]
    tracemalloc.start()
    try:
        document = orjson.loads(body)
        kept, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert document is not None
    assert kept + len(body) <= read_cost(body) <= 100 * len(body) + 100


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the arena setting is glibc's")
def test_the_front_can_share_mallocs_arenas_between_its_threads() -> None:
    assert share_malloc_arenas() is True  # what heap-forward serve does at start
