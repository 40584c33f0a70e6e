"""Lineage keeps only plain data it can always render: no upload, accepted or refused, can stop
`/_front/api/batches` from answering (issue 18, item 3)."""

from __future__ import annotations

import orjson

from forwarder import Settings
from forwarder.front.lineage import LineageStore
from forwarder.mapping import map_batch
from tests.front.conftest import APP_ID, FrontUnderTest, batch, custom

LONE = "\ud800"


def test_a_refused_identity_call_naming_a_lone_surrogate_leaves_the_lineage_readable(front: FrontUnderTest) -> None:
    # The call: a page can send it (the SDK paths answer CORS and allow x-mp-key).
    front.http.post(
        f"{front.url}/v1/identify",
        data=b'{"known_identities": {"\\ud800": 5}}',
        headers={"x-mp-key": "any", "Content-Type": "text/plain"},
        timeout=10,
    )
    assert front.post("/v2/events", batch(custom("After"))).status_code == 202
    listed = front.http.get(f"{front.url}/_front/api/batches", timeout=10)
    assert listed.status_code == 200, listed.text
    after, *_, refused = listed.json()["batches"]  # today the 500 of the refusal's own answer is recorded too
    assert (after["route"], refused["route"], refused["status"]) == ("/v2/events", "/v1/identify", "refused")
    assert LONE not in orjson.dumps(refused).decode("utf-8")
    assert front.http.get(f"{front.url}/_front/api/batches/{refused['id']}", timeout=10).status_code == 200


def test_a_refused_events_api_upload_with_a_lone_surrogate_key_leaves_the_lineage_readable(front: FrontUnderTest) -> None:
    body = b'{"mpid": "42", "events": [{"event_type": "custom_event", "data": {"event_name": "A", "custom_attributes": {"\\udc00": 1}}}]}'
    front.http.post(f"{front.url}/v2/events", data=body, auth=("k", "s"), headers={"Content-Type": "application/json"}, timeout=10)
    listed = front.http.get(f"{front.url}/_front/api/batches", timeout=10)
    assert listed.status_code == 200, listed.text
    assert listed.json()["batches"][0]["status"] == "refused"


def test_every_record_renders_whatever_text_it_was_given() -> None:
    store = LineageStore()
    store.add_refused("t", f"/v1/{LONE}/modify", "web_sdk", 400, f"bad {LONE}", f"$.known_identities.{LONE}")
    accepted = batch(custom("Fine"))
    traced = store.add_batch("t", f"/v3/JS/{LONE}/events", "web_sdk", accepted, map_batch(accepted, Settings(APP_ID)))[1]
    store.finished(traced[0], f"HTTP 400: {LONE}")
    records = [store.batch(summary["id"]) for summary in store.batches()]
    assert LONE not in orjson.dumps(store.batches()).decode("utf-8")
    text = orjson.dumps(records).decode("utf-8")
    assert LONE not in text and text.count("\ufffd") == 5  # two routes, a message, a JSON path, a failure


def test_heap_requests_count_against_the_bound_as_events_do() -> None:
    # One commerce event of 5,000 products becomes 5 bulk requests of 1,000 Heap events (and
    # their names): each such record weighs 5, not 1, so 10 of them cannot hide behind a bound of 12.
    purchase = {"event_type": "commerce_event", "data": {"product_action": {"action": "purchase", "products": [{}] * 5000}}}
    store = LineageStore(max_batches=100, max_events=12)
    for _ in range(10):
        store.add_batch("t", "/v2/events", "events_api", batch(purchase), map_batch(batch(purchase), Settings(APP_ID)))
    assert store.counts()["kept"] == 2 and store.counts()["events_kept"] == 12


def test_the_store_is_bounded_in_bytes_whatever_names_it_is_sent() -> None:
    # 400-character event types and names, each event skipped: cut to 300 characters, they still
    # took 2 KB an event (a cut name ends in "…", two bytes a character), 107 MB for 50,000 events.
    named = {"mpid": "42", "events": [{"event_type": "t" * 400, "data": {"event_name": f"{n:0400}"}} for n in range(1000)]}
    store = LineageStore(max_bytes=5 * 1024 * 1024)
    for _ in range(10):
        store.add_batch("t", "/v2/events", "events_api", named, map_batch(named, Settings(APP_ID)))
    counts = store.counts()
    assert counts["bytes_kept"] <= 5 * 1024 * 1024 and counts["kept"] == 2  # about 2.1 MB each
