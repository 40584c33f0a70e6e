"""Attacks a web page could make on a simulator left running, from a real page in headless Chromium.

A page on another origin (a real HTTP server on another port) tries the three requests a browser
sends without asking first: an auto-submitted form, a `no-cors` fetch with a `text/plain` body, and
a script-free `enctype="text/plain"` form. A second browser resolves a foreign name to 127.0.0.1,
as DNS rebinding does. Every attempt must be refused and change nothing. The console's own writes
(its origin) are covered by test_console_browser.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from heap_mock.testing import MockClient
from tests.browser import CHROMIUM, CHROMIUM_ARGS, Tab
from tests.other_origin import Page, other_origin
from tests.simulator.test_cross_site import assert_unchanged, stocked

__all__ = ["stocked"]  # a fixture, used by name

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")

REBOUND = "rebound.test"

AUTO_FORM = """<form method="post" action="{target}/_mock/reset"><input type="hidden" name="a" value="1"></form>
<script>document.forms[0].submit()</script>"""

NO_CORS_FETCH = """<script>
const send = (path, body) => fetch("{target}" + path, {{method: "POST", mode: "no-cors", headers: {{"Content-Type": "text/plain"}}, body}});
Promise.allSettled([
  send("/_mock/clock", JSON.stringify({{set: "9999-12-31T00:00:00Z"}})),
  send("/_mock/faults", JSON.stringify({{path: "/api/*", status: 503}})),
]).then(() => {{ document.title = "sent"; }});
</script>"""

# No script at all: a text/plain form whose one field reads as JSON once the browser joins name=value.
TEXT_PLAIN_FORM = """<form method="post" enctype="text/plain" action="{target}/_mock/faults">
<input type="hidden" name='{{"path": "/api/*", "status": 500, "x": "' value='"}}'>
<button id="go">go</button></form>"""


ATTACKER_PAGES: dict[str, str] = {}  # path -> HTML, filled by serve()


@pytest.fixture(scope="module")
def attacker() -> Iterator[str]:
    """A site on another origin (localhost on another port), serving `ATTACKER_PAGES`."""

    def page(path: str) -> Page | None:
        html = ATTACKER_PAGES.get(path)
        return (html.encode(), "text/html; charset=utf-8") if html else None

    with other_origin(page) as origin:
        yield origin


@pytest.fixture
def page(tab: Tab) -> Any:
    return tab.page


def serve(page_name: str, html: str, mock: MockClient) -> None:
    ATTACKER_PAGES[f"/{page_name}"] = html.format(target=mock.url)


def test_an_auto_submitted_form_cannot_reset_the_simulator(page: Any, attacker: str, stocked: MockClient) -> None:
    serve("form", AUTO_FORM, stocked)
    with page.expect_response(lambda response: response.url.endswith("/_mock/reset")) as answer:
        page.goto(f"{attacker}/form")
    assert answer.value.status == 403
    assert_unchanged(stocked)


def test_a_no_cors_text_plain_fetch_cannot_move_the_clock_or_install_a_fault(
    page: Any, attacker: str, stocked: MockClient
) -> None:
    serve("fetch", NO_CORS_FETCH, stocked)
    page.goto(f"{attacker}/fetch")
    page.wait_for_function("document.title === 'sent'")
    assert_unchanged(stocked)


def test_a_script_free_text_plain_form_cannot_install_a_fault(page: Any, attacker: str, stocked: MockClient) -> None:
    serve("text", TEXT_PLAIN_FORM, stocked)
    page.goto(f"{attacker}/text")
    with page.expect_response(lambda response: response.url.endswith("/_mock/faults")) as answer:
        page.click("#go")
    assert answer.value.status == 403
    assert_unchanged(stocked)


@pytest.fixture(scope="module")
def rebinding_browser(browser: Any) -> Iterator[Any]:
    """A second Chromium whose resolver sends `rebound.test` to 127.0.0.1, as a rebound DNS answer would."""
    rebinding = browser.browser_type.launch(
        executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {REBOUND} 127.0.0.1"]
    )
    yield rebinding
    rebinding.close()


def test_a_rebound_name_can_read_nothing_and_write_nothing(rebinding_browser: Any, stocked: MockClient) -> None:
    rebound = stocked.url.replace("127.0.0.1", REBOUND)
    page = rebinding_browser.new_page()
    try:
        answer = page.goto(f"{rebound}/_mock/events")
        assert answer.status == 403
        assert "alice" not in page.content()
        # Same-origin now, as far as the browser knows: the fetch is sent and its answer readable.
        status = page.evaluate("""async () => (await fetch("/_mock/reset", {method: "POST",
            headers: {"Content-Type": "application/json"}, body: "{}"})).status""")
        assert status == 403
    finally:
        page.close()
    assert_unchanged(stocked)
