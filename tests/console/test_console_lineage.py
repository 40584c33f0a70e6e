"""The console shows each event's and request's lineage (the sender's X-Heap-Sim-Lineage header):
an http(s) URL as a link back to the sender, anything else as plain text."""

from __future__ import annotations

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
    expect(source.locator("a")).to_have_count(0)
    expect(source.locator("b")).to_have_count(0)
