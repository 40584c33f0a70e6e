"""Warnings in a real headless Chromium: a request accepted with warnings (fidelity `observed`)
shows them beside its events and beside the request, and a stored boolean reads back as text."""

from __future__ import annotations

import re

import pytest

from heap_mock.server import HeapMockServer
from heap_mock.testing import MockClient
from tests.browser import Tab
from tests.console.conftest import ConsolePage
from tests.simulator.live_heap_replays import AIRBYTE_ACCOUNT, AIRBYTE_TRACK

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
from playwright.sync_api import expect

ROWS = "#events-table tbody tr.row"


def test_a_warned_event_shows_its_warning_beside_it_and_its_stored_boolean(console: ConsolePage, heap_mock: MockClient) -> None:
    assert heap_mock.post(AIRBYTE_TRACK.path, AIRBYTE_TRACK.body).status_code == 200
    assert heap_mock.post("/api/track", {"app_id": "11", "identity": "plain", "event": "Clean"}).status_code == 200
    page = console.open()
    expect(page.locator("#fidelity")).to_have_text("fidelity: observed")
    warned, clean = page.locator(ROWS).nth(1), page.locator(ROWS).nth(0)
    expect(warned.locator(".warning-badge")).to_have_text("⚠ 1 warning")
    expect(warned).to_contain_text("blocked=false")
    expect(clean.locator(".warning-badge")).to_have_count(0)
    warned.click()
    detail = page.locator("#events-table tr.detail")
    expect(detail.locator(".warnings")).to_contain_text("properties.boolean")
    expect(detail.locator(".warnings")).to_contain_text("postBody.events[0].properties.blocked")
    expect(detail.locator(".warnings")).to_contain_text("observed: airbytehq/airbyte")


def test_a_warned_request_is_marked_in_the_journal_and_opens_onto_its_warnings(console: ConsolePage, heap_mock: MockClient) -> None:
    assert heap_mock.post(AIRBYTE_ACCOUNT.path, AIRBYTE_ACCOUNT.body).status_code == 200
    page = console.open("requests")
    row = page.locator("#requests-table tbody tr.row")
    expect(row).to_have_count(1)
    expect(row.locator(".status")).to_have_text("200 warned")
    expect(row).to_contain_text("properties.boolean")
    assert heap_mock.post("/api/track", {"app_id": "11", "identity": "plain", "event": "Clean"}).status_code == 200
    page.click('[data-kind="warned"]')
    expect(page.locator('[data-count="warned"]')).to_have_text("1")
    expect(page.locator('[data-count="all"]')).to_have_text("2")
    expect(row).to_have_count(1)
    row.click()
    warnings = page.locator("#requests-table tr.detail .warnings tbody tr")
    expect(warnings).to_have_count(2)
    expect(warnings.first).to_contain_text("postBody.properties.email_verified")


def test_stored_booleans_read_back_as_text_in_the_users_and_accounts_tabs(console: ConsolePage, heap_mock: MockClient) -> None:
    assert heap_mock.post("/api/add_user_properties", {"app_id": "11", "identity": "vip", "properties": {"vip": True}}).status_code == 200
    assert heap_mock.post(AIRBYTE_ACCOUNT.path, AIRBYTE_ACCOUNT.body).status_code == 200
    page = console.open("users")
    expect(page.locator("#users-table tbody tr.row .chip")).to_have_text(["viptrue"])
    page = console.open("accounts")
    expect(page.locator("#accounts-table tbody tr.row")).to_contain_text("email_verifiedfalse")


def test_the_header_shows_a_documented_simulators_fidelity(tab: Tab) -> None:
    with HeapMockServer(config={"fidelity": "documented", "log_requests": False}) as server:
        page = tab.page
        page.goto(f"{server.url}/#events")
        expect(page.locator("#fidelity")).to_have_text("fidelity: documented")
        expect(page.locator("#fidelity")).to_have_attribute("title", re.compile("Everything Heap's docs forbid is refused"))
