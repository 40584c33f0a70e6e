"""The pipeline view (issue 21) in Chromium and over HTTP: an SDK batch's events beside the Heap
requests and events they became, Heap's answers, field by field with the MAPPING.md section;
skips with the setting that decided them; links from the console to the view and back."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import mparticle  # type: ignore[import-untyped]
import orjson
import pytest
import requests
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from forwarder import BatchRejected, Settings, map_batch
from forwarder.front.lineage import BatchSource, LineageStore
from forwarder.front.pipeline_view import TEXT_SHOWN, ViewContext, pipeline_batch
from heap_mock.testing import MockClient
from tests.browser import Tab
from tests.conftest import examples
from tests.forwarder.strategies import HOSTILE_BATCHES, VALID_ISH_BATCHES
from tests.front.conftest import APP_ID, FrontFactory, FrontUnderTest, batch, custom
from tests.front.test_python_sdk import T0, events_api, new_batch

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
from playwright.sync_api import expect

LYRICS = "la " * 400  # 1,200 characters: cut to 1,023


@pytest.fixture
def page(tab: Tab) -> Iterator[Any]:
    """The worker's browser page (tests/browser.py); the test fails if a script on it threw."""
    yield tab.page
    assert tab.errors == [], f"the page threw: {tab.errors}"


def send_song(front: FrontUnderTest) -> None:
    """A batch as mParticle's Python SDK sends it: an event whose attributes are kept, converted
    (a boolean), cut and dropped (a null), and user attributes holding a list (joined)."""
    song = mparticle.AppEvent("Played Song", "navigation", custom_attributes={"genre": "jazz", "explicit": True, "album": None, "lyrics": LYRICS})
    song.timestamp_unixtime_ms = T0
    events_api(front).upload_events(new_batch(777, song, moods=["calm", "late"], plan="pro"))
    front.settle()


def change_row(flow: Any, source: str) -> Any:
    return flow.locator("tr.change", has=flow.page.locator("td:first-child", has_text=re.compile(f"^{re.escape(source)}$")))


def test_an_sdk_event_shows_beside_what_heap_got_field_by_field(make_front: FrontFactory, heap_mock: MockClient, page: Any) -> None:
    front = make_front(Settings(APP_ID, forward_user_attributes=True))
    send_song(front)
    [stored] = heap_mock.events(event="Played Song")
    page.goto(stored["lineage"])  # the console's link back to the source: the batch opens at this event
    flow = page.locator("article.flow.target")
    expect(flow.locator(".flow-head")).to_contain_text("Played Song")
    expect(flow.locator(".heap-side")).to_contain_text("Heap answered 200")
    for source, change, words, section in [
        ("custom_attributes.genre", "kept", "sent as it was", "§4.1"),
        ("custom_attributes.explicit", "converted", 'boolean true became the string "true"', "§4.6"),
        ("custom_attributes.lyrics", "cut", "value cut from 1200 to 1023 characters", "§4.5"),
        ("custom_attributes.album", "dropped", "null: the property is left out", "§4.6"),
        ("event_name", "renamed", "sent as the Heap event's name", "§2.1"),
    ]:
        row = change_row(flow, source)
        expect(row.locator(".change-badge")).to_have_text(change)
        expect(row).to_contain_text(words)
        expect(row.locator("td.section")).to_have_text(section)
    expect(change_row(flow, "custom_attributes.explicit").locator("td.section")).to_have_attribute("title", "the one value rule")
    # The two sides: the boolean as sent (a JSON literal) and the text Heap stored.
    expect(flow.locator(".input-side dd.literal", has_text="true")).to_have_count(1)
    expect(flow.locator(".heap-side")).to_contain_text("idempotency_key" + stored["idempotency_key"])
    users = page.locator("article.flow", has=page.locator(".flow-head", has_text="user attributes"))
    expect(change_row(users, "user_attributes.moods").locator(".change-badge")).to_have_text("converted")
    expect(change_row(users, "user_attributes.moods")).to_contain_text('list of 2 item(s) joined with "||"')
    expect(users.locator(".heap-side")).to_contain_text("calm||late")
    assert heap_mock.users()[0]["properties"]["moods"] == "calm||late"


def test_the_view_links_to_the_console_filtered_to_what_the_event_became_and_back(
    make_front: FrontFactory, heap_mock: MockClient, page: Any
) -> None:
    front = make_front(Settings(APP_ID, forward_user_attributes=True))
    send_song(front)
    front.post("/v2/events", batch(custom("Someone else")))
    front.settle()
    page.goto(f"{front.url}/_front/pipeline?poll=150#batch-1-event-0")
    flow = page.locator("article.flow.target")
    events_link = flow.locator("a.to-console-events")
    href = events_link.get_attribute("href")
    assert href is not None and href.startswith(f"{heap_mock.url}/#events?lineage=")
    expect(page.locator("#console-link")).to_have_attribute("href", f"{heap_mock.url}/")
    page.goto(href)
    rows = page.locator("#events-table tbody tr.row")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Played Song")
    page.goto(flow_requests_link(front))
    expect(page.locator("#requests-table tbody tr.row")).to_have_count(1)
    # ... and back: the console's header and each row lead to the pipeline view.
    expect(page.locator("#source-page")).to_have_attribute("href", f"{front.url}/_front/pipeline")
    back = page.locator("#requests-table tbody tr.row a.source-link").get_attribute("href")
    page.goto(back)
    expect(page.locator("article.flow.target .flow-head")).to_contain_text("Played Song")


def flow_requests_link(front: FrontUnderTest) -> str:
    event = front.lineage(1)["events"][0]
    link: str = event["console"]["requests"]
    return link


def test_a_skipped_event_says_why_which_setting_decided_and_how_to_change_it(make_front: FrontFactory, page: Any) -> None:
    # An SDK that sends only an MPID, to a front keyed on customer IDs: every event is skipped.
    front = make_front(Settings(APP_ID, external_id="customer_id"), setting_hints={"external_id": "make run EXTERNAL_ID=mpid|customer_id"})
    assert front.post("/v2/events", batch(custom("Anonymous"))).status_code == 202
    front.settle()
    page.goto(f"{front.url}/_front/pipeline?poll=150#batch-1-event-0")
    skip = page.locator("article.flow.target .skip-box")
    expect(skip).to_contain_text("Not sent: missing identity: external_id is customer_id")
    expect(skip).to_contain_text("MAPPING.md §1.4 (the identity: the External ID setting)")
    expect(skip).to_contain_text("external_id = customer_id: to change it, make run EXTERNAL_ID=mpid|customer_id")
    expect(page.locator("#settings")).to_contain_text("external_idcustomer_id")
    expect(page.locator(".setting", has_text="external_id")).to_have_attribute("title", "to change: make run EXTERNAL_ID=mpid|customer_id")


def test_heaps_answers_read_as_what_the_forwarder_did(make_front: FrontFactory, heap_mock: MockClient, page: Any) -> None:
    # Issue 21: a 400 that was not retried read "after 1 attempt(s): 400 (retried after 1 error(s))".
    heap_mock.add_fault(path="/api/track", status=400, times=1)
    front = make_front()
    front.post("/v2/events", batch(custom("Refused")))
    front.settle()
    heap_mock.add_fault(path="/api/track", status=503, times=1)
    front.post("/v2/events", batch(custom("Retried")))
    front.settle()
    page.goto(f"{front.url}/_front/pipeline?poll=150#batch-1-event-0")
    expect(page.locator("article.flow.target .answer")).to_have_text("Heap answered 400 (not retried: a 4xx other than 429 is final)")
    page.goto(f"{front.url}/_front/pipeline?poll=150#batch-2-event-0")
    expect(page.locator("article.flow.target .answer")).to_have_text("Heap answered 503, 200 (retried 1× after an error)")


def test_the_view_has_the_consoles_look_and_an_icon(front: FrontUnderTest, page: Any, tab: Tab) -> None:
    page.goto(f"{front.url}/_front/pipeline")
    expect(page.locator("link[rel=icon]")).to_have_attribute("href", "/_front/static/favicon.svg")
    expect(page.locator(".topbar .brand-name")).to_have_text("heap-sim")
    # look.css is the console's own sheet (http_layer/look_static), not a copy.
    look = requests.get(f"{front.url}/_front/static/look.css", timeout=10)
    assert look.status_code == 200 and look.text == requests.get(f"{front.heap.url}/_mock/console/look.css", timeout=10).text
    assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).backgroundColor") == "rgb(22, 26, 43)"
    assert tab.failed == []
    assert requests.get(f"{front.url}/_front/lineage", allow_redirects=False, timeout=10).headers["Location"] == "/_front/pipeline"


# --- over HTTP -------------------------------------------------------------------------------------


def test_the_events_column_counts_mparticle_events_not_the_user_attributes_row(make_front: FrontFactory) -> None:
    front = make_front(Settings(APP_ID, forward_user_attributes=True))
    front.post("/v2/events", batch(custom("A"), custom("B"), user_attributes={"plan": "pro"}))
    front.settle()
    [summary] = front.batches()
    assert (summary["events_in"], summary["heap_requests"]) == (2, 3)


def test_a_batch_whose_body_is_no_longer_kept_still_shows_what_became_of_it() -> None:
    settings = Settings(APP_ID)
    store = LineageStore(max_source_bytes=100)
    for n in range(3):
        body = batch(custom(f"E{n}"))
        store.add_batch("t", "/v2/events", "events_api", body, map_batch(body, settings), BatchSource(b"x" * 60), 60)
    assert store.source(1) is None and store.source(2) is None and store.source(3) is not None
    assert store.batch(1) is not None  # the trace stays: only the body went


def test_the_detail_answer_carries_each_events_input_notes_and_heap_events(front: FrontUnderTest) -> None:
    front.post("/v2/bulkevents", [batch(custom("First", tier=1)), batch(custom("Second", flag=False))])
    front.settle()
    second = front.lineage(2)
    assert second["input_kept"] is True and second["identity_from"] == "mpid"
    [event] = second["events"]
    assert event["input"]["attributes"] == [["flag", False]]
    notes = {note["source"]: note for note in event["changes"]}
    assert notes["custom_attributes.flag"]["change"] == "converted" and notes["custom_attributes.flag"]["section"] == "4.6"
    [request] = event["heap_requests"]
    [heap_event] = request["heap_event_list"]
    assert heap_event["event"] == "Second" and ["flag", "false"] in heap_event["properties"]
    assert heap_event["idempotency_key"] == front.heap.events(event="Second")[0]["idempotency_key"]


def test_user_attributes_the_setting_keeps_back_show_as_not_sent_with_the_setting(make_front: FrontFactory, page: Any) -> None:
    front = make_front(Settings(APP_ID), setting_hints={"forward_user_attributes": "make run FORWARD_USER_ATTRIBUTES=true|false"})
    front.post("/v2/events", batch(custom("Kept"), user_attributes={"plan": "pro"}))
    front.settle()
    [summary] = front.batches()
    assert (summary["events_in"], summary["skipped"], summary["status"]) == (1, 1, "delivered")
    page.goto(f"{front.url}/_front/pipeline?poll=150#batch-1-user-attributes")
    skip = page.locator("article.flow.target .skip-box")
    expect(skip).to_contain_text("Not sent: forward_user_attributes is off: user attributes are never sent")
    expect(skip).to_contain_text("MAPPING.md §6.1")
    expect(skip).to_contain_text("forward_user_attributes = false: to change it, make run FORWARD_USER_ATTRIBUTES=true|false")
    expect(page.locator("article.flow.target .flow-head")).to_have_text(re.compile(r"^user attributes\s*skipped"))


@pytest.mark.generated
@hypothesis_settings(max_examples=examples(40), deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=HOSTILE_BATCHES | VALID_ISH_BATCHES)
def test_the_view_renders_any_batch_the_front_accepts(body: Any) -> None:
    settings = Settings(APP_ID, external_id="mpid", forward_user_attributes=True)
    try:
        mapped = map_batch(body, settings)
    except BatchRejected:
        return
    store = LineageStore()
    batch_id, _ = store.add_batch("t", "/v2/events", "events_api", body, mapped)
    trace = store.batch(batch_id)
    assert trace is not None
    view = pipeline_batch(trace, body, ViewContext(settings, {}, "http://127.0.0.1:1/_front/pipeline", "http://127.0.0.1:2"))
    rendered = orjson.loads(orjson.dumps(view))  # the answer always renders, whatever the batch held
    assert [event["index"] for event in rendered["events"]] == [row["index"] for row in trace["events"]]
    for event in rendered["events"]:
        assert all(len(str(value)) <= TEXT_SHOWN + 40 for _, value in event["input"]["attributes"])
