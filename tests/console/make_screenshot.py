"""Regenerate docs/console.png and docs/pipeline.png: the simulator's console and heap-forward
serve's pipeline view, holding a realistic session.

    .venv/bin/python -m tests.console.make_screenshot [OUTPUT_DIR]

The data comes from the demo (the bundled batches sent through the front); a refused body, a
burst over the track limit and an injected fault are added so the refusal counts show too. The
pipeline view is opened on the iOS batch's "Played Episode", whose attributes are kept, converted
(a boolean, a list), cut and dropped (a null).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import expect, sync_playwright

from forwarder.front import demo
from forwarder.front.front import FrontOptions
from forwarder.front.server import FrontServer
from heap_mock import HeapMockServer
from heap_mock.testing import MockClient
from tests.browser import CHROMIUM, CHROMIUM_ARGS

DOCS = Path(__file__).resolve().parents[2] / "docs"
DEMO_DATA = Path(__file__).resolve().parents[2] / "forwarder" / "demo_data"
APP = "3958016722"
MAYA, JONAS = "cust-20417", "cust-88012"
TRACK_LIMIT = 30  # limit.track: 30 requests per 30 s per identity per app_id


def populate(client: MockClient, front_url: str) -> None:
    """Refusals first, then the session, so the newest events on screen are the story's."""
    client.post("/api/track", {"app_id": "web-prod", "identity": MAYA, "event": "Signed In"})  # a 400: app_id is not numeric
    for _ in range(TRACK_LIMIT + 1):  # one over limit.track: a 429
        client.post("/api/track", {"app_id": APP, "identity": "load-test-bot", "event": "Heartbeat"})
    client.add_fault(path="/api/add_user_properties", status=503, retry_after=2, times=1)
    client.post("/api/add_user_properties", {"app_id": APP, "identity": JONAS, "properties": {"plan": "family"}})
    client.post("/api/add_account_properties", {"app_id": APP, "account_id": "fernwood-retail", "properties": {"tier": "enterprise", "seats": 120}})
    summary = demo.send_demo(front_url)
    if summary.error is not None:
        raise SystemExit(f"the demo could not go through the front: {summary.line(front_url)}")


def shoot_console(page: Any, url: str, output: Path) -> None:
    page.goto(f"{url}/#events")
    page.locator("#events-table tbody tr.row", has_text="Played Episode").first.locator("td").first.click()
    expect(page.locator("#events-table tr.detail")).to_be_visible()
    expect(page.locator("#tab-refused")).not_to_be_empty()
    page.screenshot(path=str(output))


def shoot_pipeline(page: Any, front_url: str, output: Path) -> None:
    """The iOS batch opened at "Played Episode": its input beside what Heap got, field by field.
    Taller than the console's shot, to hold the header, the batch and the event at once."""
    page.set_viewport_size({"width": 1440, "height": 1760})
    page.goto(f"{front_url}/_front/pipeline")
    row = page.locator("#batches tbody tr.row", has_text="cust-88012")
    row.locator("td").first.click()
    flow = page.locator("article.flow", has_text="Played Episode")
    expect(flow.locator(".change-badge.converted").first).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(output))


def main(argv: list[str]) -> int:
    docs = Path(argv[0]) if argv else DOCS
    docs.mkdir(parents=True, exist_ok=True)
    with HeapMockServer(config={"log_requests": False}) as server, FrontServer(FrontOptions(server.url, demo.DEMO_SETTINGS)) as front:
        client = MockClient(server.url)
        client.set_clock("2026-03-02T10:20:00Z")
        populate(client, front.url)
        if not front.front.queue.wait_idle(30):
            raise SystemExit("the front did not deliver the demo")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 900}, device_scale_factor=1)
            shoot_console(page, server.url, docs / "console.png")
            shoot_pipeline(page, front.url, docs / "pipeline.png")
            browser.close()
    print(docs / "console.png", docs / "pipeline.png")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
