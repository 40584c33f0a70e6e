"""The console shows each event's and request's lineage (the sender's X-Heap-Sim-Lineage header):
an http(s) URL as a link back to the sender, anything else as plain text."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from heap_mock.testing import MockClient
from tests.console.conftest import ConsolePage

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
from playwright.sync_api import expect

LINK = "http://127.0.0.1:8081/_front/lineage#batch-7-event-2"


def track(client: MockClient, event: str, lineage: str) -> None:
    body = {"app_id": "11", "identity": "alice", "event": event}
    response = client.post("/api/track", body, headers={"X-Heap-Sim-Lineage": lineage})
    assert response.status_code == 200, response.text


def test_an_events_lineage_links_back_to_its_source(console: ConsolePage, heap_mock: MockClient) -> None:
    track(heap_mock, "From the front", LINK)
    assert heap_mock.events()[0]["lineage"] == LINK
    assert heap_mock.requests()[0]["lineage"] == LINK
    page = console.open()
    page.locator("#events-table tbody tr.row").first.click()
    link = page.locator("#events-table tr.detail a.lineage")
    expect(link).to_have_attribute("href", LINK)
    expect(link).to_have_attribute("rel", "noopener noreferrer")


def test_lineage_that_is_not_an_http_url_stays_text(console: ConsolePage, heap_mock: MockClient) -> None:
    track(heap_mock, "Hostile", "javascript:alert(document.domain)\t<b>x</b>")
    assert heap_mock.events()[0]["lineage"] == "javascript:alert(document.domain)<b>x</b>"  # control characters dropped
    page = console.open()
    page.locator("#events-table tbody tr.row").first.click()
    source = page.locator("#events-table tr.detail .lineage-source")
    expect(source).to_contain_text("javascript:alert(document.domain)<b>x</b>")
    expect(source.locator("a.lineage")).to_have_count(0)
    expect(source.locator("b")).to_have_count(0)
    # Its only links stay inside the console: the filters to everything from that source.
    hrefs = source.locator("a").evaluate_all("links => links.map((a) => a.getAttribute('href'))")
    assert hrefs and all(href.startswith(("#events?lineage=", "#requests?lineage=")) for href in hrefs)
    expect(page.locator("#events-table a.source-link")).to_have_count(0)


OTHER = "http://127.0.0.1:8081/_front/pipeline#batch-8-event-0"


def test_a_link_from_the_pipeline_view_shows_only_what_came_from_that_source(console: ConsolePage, heap_mock: MockClient) -> None:
    track(heap_mock, "Mine", LINK)
    track(heap_mock, "Also mine", LINK)
    track(heap_mock, "Someone else's", OTHER)
    heap_mock.post("/api/track", {"app_id": "11", "identity": "alice"}, headers={"X-Heap-Sim-Lineage": LINK})  # a 400 from the same source
    page = console.page
    page.goto(f"{console.url}/?poll=150#events?lineage={quote(LINK, safe='')}")
    expect(page.locator("#events-table tbody tr.row td.event-name")).to_have_text([re.compile("^Also mine"), re.compile("^Mine")])
    expect(page.locator("#source-filter")).to_be_visible()
    expect(page.locator("#source-filter-link")).to_have_attribute("href", LINK)
    page.click('[data-tab="requests"]')
    expect(page.locator("#requests-table tbody tr.row")).to_have_count(3)
    expect(page.locator('[data-count="rejected"]')).to_have_text("1")
    assert "lineage=" in page.evaluate("location.hash")  # the filter stays as the tabs change
    page.click("#source-filter-clear")
    expect(page.locator("#requests-table tbody tr.row")).to_have_count(4)
    expect(page.locator("#source-filter")).to_be_hidden()


def test_each_row_links_to_its_source_and_the_header_to_the_senders_page(console: ConsolePage, heap_mock: MockClient) -> None:
    track(heap_mock, "From the front", LINK)
    page = console.open()
    expect(page.locator("#events-table tbody tr.row a.source-link")).to_have_attribute("href", LINK)
    expect(page.locator("#source-page")).to_have_attribute("href", "http://127.0.0.1:8081/_front/lineage")
    page.click('[data-tab="requests"]')
    link = page.locator("#requests-table tbody tr.row a.source-link")
    expect(link).to_have_attribute("href", LINK)
    link.click(modifiers=["Control"])  # opening the source leaves the row closed
    expect(page.locator("#requests-table tr.detail")).to_have_count(0)
