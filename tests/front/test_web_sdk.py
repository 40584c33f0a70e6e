"""mParticle's web SDK (npm @mparticle/web-sdk) in headless Chromium, loaded by a test page on
another local origin and pointed at the front: as a CNAME customer (`domain`) and with per-service
URLs, both with `forceHttps: false`. It identifies, logs a custom event, a page view and a
purchase; the mapped Heap events arrive in the simulator, and lineage shows each one."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from forwarder.front.identity import mpid_of
from tests.front.conftest import FrontUnderTest
from tests.other_origin import Page, other_origin

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[1]
SDK_BUNDLE = ROOT / "mparticle_web" / "node_modules" / "@mparticle" / "web-sdk" / "dist" / "mparticle.js"
PAGE = Path(__file__).parent / "web" / "sdk_page.html"
FILES = {"/": (PAGE, "text/html; charset=utf-8"), "/mparticle.js": (SDK_BUNDLE, "text/javascript; charset=utf-8")}
WAIT_S = 15.0
MAPPED = ["Session Start", "Clicked Buy", "Viewed: Home Page", "Product Action Event", "Item"]


@pytest.fixture(scope="module")
def page_origin() -> Iterator[str]:
    """The test page's own origin: `localhost`, while the front is addressed as 127.0.0.1."""
    if not SDK_BUNDLE.exists():
        pytest.fail(f"{SDK_BUNDLE} is missing: run `npm ci --prefix tests/mparticle_web` (make test does)")

    def page(path: str) -> Page | None:
        file, content_type = FILES.get(path, (None, ""))
        return (file.read_bytes(), content_type) if file is not None else None

    with other_origin(page) as origin:
        yield origin


def eventually(check: Callable[[], bool], what: str) -> None:
    """Wait for the browser's asynchronous uploads to have arrived (polls state; no fixed sleep)."""
    deadline = time.monotonic() + WAIT_S
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


@pytest.mark.parametrize("mode", ["domain", "urls"])
def test_the_web_sdk_reaches_heap_through_the_front(mode: str, front: FrontUnderTest, browser: Any, page_origin: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    front_host = front.url.removeprefix("http://")
    page.goto(f"{page_origin}/?mode={mode}&front={front_host}")
    page.wait_for_function("window.done === true", timeout=WAIT_S * 1000)
    expected_mpid = mpid_of(("customerid", "web-cust-1"))
    assert page.evaluate("window.mpid") == expected_mpid
    eventually(lambda: {e["event"] for e in front.heap.events()} >= set(MAPPED), "the mapped events in the simulator")
    front.settle()
    events = front.heap.events(identity=expected_mpid)
    # The SDK uploads one batch per event, several at once, so their order of arrival varies.
    assert sorted(event["event"] for event in events if event["event"] in MAPPED) == sorted(MAPPED)
    click = next(event for event in events if event["event"] == "Clicked Buy")
    assert click["properties"] == {"color": "red", "event_type": "navigation"}
    item = next(event for event in events if event["event"] == "Item")
    assert (item["properties"]["product_id"], item["properties"]["product_quantity"]) == ("sku-1", 2)

    prefix = "/webevents/v3/JS/web-key/events" if mode == "domain" else "/v3/JS/web-key/events"
    traced = [front.lineage(s["id"]) for s in front.batches() if s["status"] != "refused"]
    assert {batch["route"] for batch in traced} == {prefix}
    rows = [event for batch in traced for event in batch["events"]]
    delivered = {
        name for row in rows for request in row["heap_requests"] if request["outcome"] == "delivered" for name in request["names"]
    }
    assert delivered >= set(MAPPED)
    skipped = {row["event_type"] for row in rows if row["skip_reason"]}
    assert "application_state_transition" in skipped

    page.goto(click["lineage"])  # the simulator's link back to the front's pipeline view
    expect(page.locator(".flow.target")).to_contain_text("Clicked Buy")
    expect(page.locator(".flow.target")).to_contain_text("delivered")
    context.close()
    assert errors == []


def test_an_app_that_keeps_requesting_its_config_is_not_held_up_and_is_told_what_to_set(
    front: FrontUnderTest, browser: Any, page_origin: str, capfd: pytest.CaptureFixture[str]
) -> None:
    # Issue 17: a web app pointed at the front with only `domain` and `forceHttps: false` changed
    # first fetches its config over https from that domain. The front held the TLS handshake open
    # for minutes, so the app sent nothing; now it is closed at once, and the front says why.
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{page_origin}/?mode=domain&config=fetch&front={front.url.removeprefix('http://')}")
    page.wait_for_function("window.done === true", timeout=WAIT_S * 1000)
    eventually(lambda: "Clicked Buy" in {e["event"] for e in front.heap.events()}, "the app's events in the simulator")
    context.close()
    said = capfd.readouterr().err
    assert "opened a TLS (https) connection on this plain-HTTP port" in said and "requestConfig: false" in said
