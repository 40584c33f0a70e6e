"""The console in a real headless Chromium: what arrives shows up, refusals explain themselves,
the controls work, and received text stays text."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from heap_mock import HeapMockServer
from heap_mock.endpoints.track import TrackEvent, TrackRequest
from heap_mock.testing import MockClient
from tests.browser import Tab
from tests.console.conftest import TEST_POLL_MS, ConsolePage

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
from playwright.sync_api import expect

APP = "11"
ROWS = "#events-table tbody tr.row"


def track(client: MockClient, event: str, identity: str = "alice", **properties: Any) -> None:
    response = client.post("/api/track", {"app_id": APP, "identity": identity, "event": event, "properties": properties})
    assert response.status_code == 200, response.text


def test_an_event_sent_over_http_shows_and_opens_onto_its_properties(console: ConsolePage, heap_mock: MockClient) -> None:
    track(heap_mock, "Signed Up", plan="gold", seats=3)
    page = console.open()
    row = page.locator(ROWS).first
    expect(row).to_contain_text("Signed Up")
    expect(row).to_contain_text("alice")
    expect(row).to_contain_text("2026-01-01 00:00:00.000")
    expect(row).to_contain_text("track")
    row.click()
    detail = page.locator("#events-table tr.detail")
    expect(detail.locator("dl.props").first).to_contain_text(re.compile(r"plan\s*gold\s*seats\s*3"))
    expect(row).to_have_attribute("aria-expanded", "true")


def test_arriving_events_show_by_themselves_newest_first(console: ConsolePage, heap_mock: MockClient) -> None:
    page = console.open()
    expect(page.locator("#panel-events .empty")).to_be_visible()
    track(heap_mock, "First")
    track(heap_mock, "Second")
    expect(page.locator(f"{ROWS} td.event-name")).to_have_text(["Second", "First"])
    expect(page.locator("#stat-events")).to_have_text("2")


def test_filters_by_identity_event_name_and_text(console: ConsolePage, heap_mock: MockClient) -> None:
    track(heap_mock, "Viewed", identity="alice", plan="gold")
    track(heap_mock, "Viewed", identity="bob", plan="silver")
    track(heap_mock, "Bought", identity="bob", plan="silver")
    page = console.open()
    expect(page.locator(ROWS)).to_have_count(3)
    page.fill("#events-filters [name=identity]", "bob")
    expect(page.locator(ROWS)).to_have_count(2)
    page.fill("#events-filters [name=event]", "Viewed")
    expect(page.locator(ROWS)).to_have_count(1)
    page.click("#events-filters [type=reset]")
    page.fill("#events-filters [name=q]", "GOLD")
    expect(page.locator(f"{ROWS} td.identity")).to_have_text(["alice"])


def test_a_400_shows_its_rule_message_and_body_and_a_429_its_limit(console: ConsolePage, heap_mock: MockClient) -> None:
    assert heap_mock.post("/api/track", {"app_id": "abc", "identity": "alice", "event": "Bad"}).status_code == 400
    statuses = [heap_mock.post("/api/track", {"app_id": APP, "identity": "carol", "event": "Tap"}).status_code for _ in range(31)]
    assert statuses[-1] == 429
    page = console.open("requests")
    page.click('[data-kind="rejected"]')
    rejected = page.locator("#requests-table tbody tr.row")
    expect(rejected).to_have_count(1)
    expect(rejected).to_contain_text("app_id.numeric")
    expect(rejected).to_contain_text("postBody.app_id should be a numeric environment ID")
    rejected.click()
    expect(page.locator("#requests-table tr.detail pre.json")).to_contain_text('"app_id": "abc"')
    page.click('[data-kind="throttled"]')
    throttled = page.locator("#requests-table tbody tr.row")
    expect(throttled).to_have_count(1)
    expect(throttled).to_contain_text("limit.track")
    expect(throttled).to_contain_text("30 requests per 30 s per identity per app_id")
    expect(page.locator("#tab-refused")).to_have_text("2")


def test_fault_rules_are_added_listed_shown_when_they_fire_and_cleared(console: ConsolePage, heap_mock: MockClient) -> None:
    page = console.open("faults")
    page.fill("#fault-form [name=path]", "/api/track")
    page.fill("#fault-form [name=status]", "503")
    page.fill("#fault-form [name=times]", "1")
    page.click("#fault-form [type=submit]")
    expect(page.locator("#faults-table tbody tr")).to_contain_text(["/api/track"])
    assert heap_mock.faults()[0]["status"] == 503
    assert heap_mock.post("/api/track", {"app_id": APP, "identity": "alice", "event": "E"}).status_code == 503
    page.click('[data-tab="requests"]')
    page.click('[data-kind="faults"]')
    expect(page.locator("#requests-table tbody tr.row")).to_contain_text(["503 fault"])
    heap_mock.add_fault(path="/api/*", status=500)
    page.click('[data-tab="faults"]')
    expect(page.locator("#faults-table tbody tr")).to_have_count(1)
    page.click("#faults-clear")
    expect(page.locator("#panel-faults .empty")).to_be_visible()
    assert heap_mock.faults() == []


def test_a_bad_fault_shows_the_simulators_message(console: ConsolePage) -> None:
    page = console.open("faults")
    page.fill("#fault-form [name=path]", "/_mock/events")
    page.click("#fault-form [type=submit]")
    expect(page.locator("#fault-error")).to_contain_text("fault.path must be a path")


def test_reset_empties_the_console(console: ConsolePage, heap_mock: MockClient) -> None:
    track(heap_mock, "Signed Up")
    page = console.open()
    expect(page.locator(ROWS)).to_have_count(1)
    page.click("#reset-button")
    expect(page.locator(ROWS)).to_have_count(0)
    expect(page.locator("#panel-events .empty")).to_be_visible()
    expect(page.locator("#stat-events")).to_have_text("0")
    assert heap_mock.events() == []


def test_advancing_the_clock_moves_the_shown_time(console: ConsolePage, heap_mock: MockClient) -> None:
    page = console.open()
    now = page.locator("#clock-now")
    expect(now).to_have_text("2026-01-01 00:00:00.000 UTC")
    expect(page.locator("#clock-mode")).to_have_text("virtual · still")
    page.click('[data-advance="60"]')
    expect(now).to_have_text("2026-01-01 00:01:00.000 UTC")
    page.click('[data-advance="30"]')
    expect(now).to_have_text("2026-01-01 00:01:30.000 UTC")
    track(heap_mock, "After the jump")
    expect(page.locator(f"{ROWS} .ts")).to_have_text(["2026-01-01 00:01:30.000"])
    page.fill("#clock-set-input", "2026-06-01T12:00:00Z")
    page.click("#clock-set-form [type=submit]")
    expect(now).to_have_text("2026-06-01 12:00:00.000 UTC")
    page.click('[data-clock="real"]')
    expect(page.locator("#clock-mode")).to_have_text("real")
    assert heap_mock.clock()["mode"] == "real"


def test_a_script_named_event_is_shown_as_text_and_runs_nothing(console: ConsolePage, heap_mock: MockClient) -> None:
    script = "<script>alert(1)</script>"
    image = '<img src=x onerror="alert(2)">'
    track(heap_mock, script, identity=image, **{image: script})
    page = console.open()
    row = page.locator(ROWS).first
    expect(row.locator("td.event-name")).to_have_text(script)
    expect(row.locator("td.identity")).to_have_text(image)
    row.click()
    expect(page.locator("#events-table tr.detail dl.props").first).to_contain_text(image + script)
    page.click('[data-tab="users"]')
    expect(page.locator("#users-table td.identity")).to_have_text([image])
    assert page.locator("main img, main script").count() == 0
    assert console.dialogs == []


def test_rate_limit_state_users_and_accounts(console: ConsolePage, heap_mock: MockClient) -> None:
    for _ in range(5):
        track(heap_mock, "Tap")
    heap_mock.post("/api/add_user_properties", {"app_id": APP, "identity": "alice", "properties": {"plan": "gold"}})
    heap_mock.post("/api/add_account_properties", {"app_id": APP, "account_id": "acme", "properties": {"tier": "enterprise"}})
    page = console.open("limits")
    window = page.locator("#limits-table tbody tr", has_text="limit.track")
    expect(window).to_contain_text("5 / 30")
    expect(window).to_contain_text("2026-01-01 00:00:30.000")
    expect(window).to_contain_text("in 30 s")
    page.click('[data-tab="users"]')
    expect(page.locator("#users-table tbody tr.row", has_text="alice")).to_contain_text("plangold")
    page.click('[data-tab="accounts"]')
    expect(page.locator("#accounts-table tbody tr.row", has_text="acme")).to_contain_text("tierenterprise")


# --- 100,000 events ---------------------------------------------------------------------------

BIG = 100_000


@pytest.fixture(scope="module")
def big_server() -> Iterator[HeapMockServer]:
    """A simulator holding 100,000 events, stored in-process (the HTTP path is tested above)."""
    with HeapMockServer(config={"log_requests": False, "limits_enabled": False}) as server:
        start = 1767225600.0  # 2026-01-01T00:00:00Z
        events = [TrackEvent(APP, f"user{i % 500}", None, f"Event {i % 40}", start + i, {"n": i}, None, None) for i in range(BIG)]
        for first in range(0, BIG, 1000):
            server.simulator.state.ingest_track(TrackRequest(APP, events[first : first + 1000], True), f"req-{first}", start, 1.0)
        yield server


def test_100000_events_render_one_page_and_page_quickly(tab: Tab, big_server: HeapMockServer) -> None:
    page = tab.page
    started = time.perf_counter()
    page.goto(f"{big_server.url}/?poll={TEST_POLL_MS}")
    expect(page.locator('[data-pager="events"] .pager-range')).to_have_text("1–50 of 100,000")
    first_render_s = time.perf_counter() - started
    expect(page.locator(ROWS)).to_have_count(50)
    expect(page.locator(ROWS).first.locator("td.num")).to_have_text("100,000")
    page.get_by_role("button", name="Oldest »").click()
    expect(page.locator(ROWS).last.locator("td.num")).to_have_text("1")
    page.fill("#events-filters [name=identity]", "user7")
    expect(page.locator('[data-pager="events"] .pager-range')).to_have_text("1–50 of 200")
    assert first_render_s < 5, f"first render of a 100,000-event simulator took {first_render_s:.1f} s"


def test_the_console_shows_how_many_events_the_capped_store_dropped(tab: Tab) -> None:
    with HeapMockServer(config={"log_requests": False, "limits_enabled": False, "max_events": 2}) as server:
        bulk = {"app_id": APP, "events": [{"identity": "ada", "event": f"E{i}"} for i in range(5)]}
        assert MockClient(server.url).post("/api/track", bulk).status_code == 200
        page = tab.page
        page.goto(f"{server.url}/?poll={TEST_POLL_MS}")
        expect(page.locator("#stat-events")).to_have_text("2")
        expect(page.locator("#stat-events_dropped")).to_have_text("3")


def test_the_console_shows_how_many_users_and_accounts_the_capped_stores_dropped(tab: Tab) -> None:
    config = {"log_requests": False, "limits_enabled": False, "max_users": 2, "max_accounts": 1}
    with HeapMockServer(config=config) as server:
        client = MockClient(server.url)
        bulk = {"app_id": APP, "events": [{"identity": f"u{i}", "event": "E"} for i in range(5)]}
        assert client.post("/api/track", bulk).status_code == 200
        accounts = {"app_id": APP, "accounts": [{"account_id": f"a{i}", "properties": {"n": i}} for i in range(3)]}
        assert client.post("/api/add_account_properties", accounts).status_code == 200
        page = tab.page
        page.goto(f"{server.url}/?poll={TEST_POLL_MS}")
        expect(page.locator("#stat-users")).to_have_text("2")
        expect(page.locator("#stat-users_dropped")).to_have_text("3")
        expect(page.locator("#stat-accounts_dropped")).to_have_text("2")
        expect(page.locator("#stat-events")).to_have_text("5")  # the events stay: their store has its own cap


def test_the_export_button_saves_the_whole_session_as_one_file(console: ConsolePage, heap_mock: MockClient) -> None:
    track(heap_mock, "Kept", plan="gold")
    page = console.open()
    expect(page.locator(ROWS)).to_have_count(1)
    with page.expect_download() as download:
        page.click("#export-session")
    saved = download.value
    assert saved.suggested_filename.startswith("heap-sim-session-") and saved.suggested_filename.endswith(".json")
    session = json.loads(Path(saved.path()).read_bytes())
    assert (session["format"], session["version"]) == ("heap-sim session", 1)
    assert [event["event"] for event in session["events"]] == ["Kept"]


def test_the_page_has_an_icon_and_fetches_nothing_that_fails(console: ConsolePage, heap_mock: MockClient) -> None:
    page = console.open("limits")
    expect(page.locator("link[rel=icon]")).to_have_attribute("href", "/_mock/console/favicon.svg")
    icon = page.request.get(f"{console.url}/_mock/console/favicon.svg")
    assert icon.status == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    expect(page.locator("#limits-config .card").first).to_be_visible()
    assert console.tab.failed == []


def test_the_used_cell_of_a_rate_limit_window_lines_up_with_its_row(console: ConsolePage, heap_mock: MockClient) -> None:
    # Issue 21: the cell was display:flex, so its borders did not line up with the row's.
    track(heap_mock, "Counted")
    page = console.open("limits")
    used = page.locator("#limits-table tbody tr").first.locator("td").nth(3)
    expect(used).to_contain_text("1 / 30")
    assert used.evaluate("cell => getComputedStyle(cell).display") == "table-cell"
    row_box, cell_box = page.locator("#limits-table tbody tr").first.bounding_box(), used.bounding_box()
    assert row_box is not None and cell_box is not None and abs(cell_box["height"] - row_box["height"]) < 1
