"""Regenerate docs/console.png: the console of a simulator holding a realistic session.

    .venv/bin/python -m tests.console.make_screenshot [OUTPUT.png]

The data comes from the demo (the bundled batches sent through the front); a refused body, a
burst over the track limit and an injected fault are added so the refusal counts show too.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from forwarder.front import demo
from forwarder.front.front import FrontOptions
from forwarder.front.server import FrontServer
from heap_mock import HeapMockServer
from heap_mock.testing import MockClient
from tests.console.conftest import CHROMIUM, CHROMIUM_ARGS

OUTPUT = Path(__file__).resolve().parents[2] / "docs" / "console.png"
DEMO_DATA = Path(__file__).resolve().parents[2] / "forwarder" / "demo_data"
APP = "3958016722"
MAYA, JONAS = "cust-20417", "cust-88012"
TRACK_LIMIT = 30  # limit.track: 30 requests per 30 s per identity per app_id


def populate(client: MockClient) -> None:
    """Refusals first, then the session, so the newest events on screen are the story's."""
    client.post("/api/track", {"app_id": "web-prod", "identity": MAYA, "event": "Signed In"})  # a 400: app_id is not numeric
    for _ in range(TRACK_LIMIT + 1):  # one over limit.track: a 429
        client.post("/api/track", {"app_id": APP, "identity": "load-test-bot", "event": "Heartbeat"})
    client.add_fault(path="/api/add_user_properties", status=503, retry_after=2, times=1)
    client.post("/api/add_user_properties", {"app_id": APP, "identity": JONAS, "properties": {"plan": "family"}})
    client.post("/api/add_account_properties", {"app_id": APP, "account_id": "fernwood-retail", "properties": {"tier": "enterprise", "seats": 120}})
    with FrontServer(FrontOptions(client.url, demo.DEMO_SETTINGS)) as front:
        summary = demo.send_demo(front.url)
        if summary.error is not None or not front.front.queue.wait_idle(30):
            raise SystemExit(f"the demo could not go through the front: {summary.line(front.url)}")


def shoot(url: str, output: Path) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900}, device_scale_factor=1)
        page.goto(f"{url}/#events")
        page.locator("#events-table tbody tr.row", has_text="Product Action Event").first.click()
        expect(page.locator("#events-table tr.detail")).to_be_visible()
        expect(page.locator("#tab-refused")).not_to_be_empty()
        output.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(output))
        browser.close()


def main(argv: list[str]) -> int:
    output = Path(argv[0]) if argv else OUTPUT
    with HeapMockServer(config={"log_requests": False}) as server:
        client = MockClient(server.url)
        client.set_clock("2026-03-02T10:20:00Z")
        populate(client)
        shoot(server.url, output)
    print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
