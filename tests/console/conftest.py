"""The console's tests: each on the worker's one browser page (tests/browser.py's Tab), on a fresh session simulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import Tab

# Short enough that tests see live updates at once, long enough to leave the server idle.
TEST_POLL_MS = 150


# The session's `browser`, its one context and the `tab` lent to each test live in tests/conftest.py:
# one Playwright per process, shared with tests/front (two sync Playwright instances cannot run in one process).


class ConsolePage:
    """The console of one simulator on the worker's lent page, with what the page met (tests/conftest.py's Tab)."""

    def __init__(self, tab: Tab, url: str) -> None:
        self.tab = tab
        self.page = tab.page
        self.url = url

    @property
    def dialogs(self) -> list[str]:
        return self.tab.dialogs

    @property
    def errors(self) -> list[str]:
        return self.tab.errors

    def open(self, tab: str = "events") -> Any:
        self.page.goto(f"{self.url}/?poll={TEST_POLL_MS}#{tab}")
        return self.page


@pytest.fixture
def console(tab: Tab, heap_mock: Any) -> Iterator[ConsolePage]:
    """The console of a fresh session simulator (reset, virtual clock at HEAP_MOCK_EPOCH)."""
    view = ConsolePage(tab, heap_mock.url)
    yield view
    assert view.errors == [], f"the console threw: {view.errors}"
