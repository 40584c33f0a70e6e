"""One headless Chromium per test session (so per xdist worker), one fresh page per test.

The browser is Debian's `chromium`, driven by Playwright (no browser download: Playwright only
drives the executable it is given). Without either, the browser tests skip and say why.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("HEAP_SIM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Short enough that tests see live updates at once, long enough to leave the server idle.
TEST_POLL_MS = 150


# The session's `browser` fixture lives in tests/conftest.py: one Playwright per process, shared
# with tests/front (two sync Playwright instances cannot run in one process).


class ConsolePage:
    """A console page, with every dialog it opens recorded (and dismissed) so a test can say none did."""

    def __init__(self, page: Any, url: str) -> None:
        self.page = page
        self.url = url
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._on_dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, tab: str = "events") -> Any:
        self.page.goto(f"{self.url}/?poll={TEST_POLL_MS}#{tab}")
        return self.page


@pytest.fixture(scope="session")
def browser_context(browser: Any) -> Iterator[Any]:
    """Shared: a new page in a live context costs ~50 ms, a new context ~300 ms more."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(5000)
    yield context
    context.close()


@pytest.fixture
def console(browser_context: Any, heap_mock: Any) -> Iterator[ConsolePage]:
    """A new page on a fresh session simulator (reset, virtual clock at HEAP_MOCK_EPOCH)."""
    page = browser_context.new_page()
    view = ConsolePage(page, heap_mock.url)
    yield view
    page.close()
    assert view.errors == [], f"the console threw: {view.errors}"
