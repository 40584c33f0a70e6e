"""The browser the tests drive: Debian's `chromium`, headless, through Playwright, and the page each test is lent.

Playwright only drives the executable it is given (no browser download). Without either, the
browser tests skip and say why (tests/conftest.py's `browser` fixture).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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


class Tab:
    """The worker's one browser page, lent to one test at a time, and what it met during that test.

    A new page costs Chromium about 0.15 s and 0.3 CPU-seconds (a renderer process started, then torn
    down) where navigating this one costs about 0.04 s: over the browser tests that was a tenth of the
    suite's CPU. Its listeners are set once and record per test: uncaught script errors, dialogs (each
    dismissed), and the URLs answered 400 or above. Between tests it is on about:blank, so nothing of
    the last test's document (its timers, its polling) runs on.
    """

    def __init__(self, context: Any) -> None:
        self.context = context
        self.page = context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.failed: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", self._dismiss)
        self.page.on("response", lambda response: self.failed.append(response.url) if response.status >= 400 else None)

    def _dismiss(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def lend(self) -> Tab:
        self.errors.clear()
        self.dialogs.clear()
        self.failed.clear()
        return self

    def take_back(self) -> bool:
        """Close the pages the test opened from this one and leave this one blank; False if it cannot be used again."""
        for other in self.context.pages:
            if other is not self.page:
                other.close()
        try:
            self.page.goto("about:blank")
        except Exception:  # the test closed it, or its renderer crashed: the next test gets a new one
            return False
        return True
