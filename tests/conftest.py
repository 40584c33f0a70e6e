"""Fixtures and settings shared by more than one test folder.

`documented`: a client of a second simulator, under the `documented` fidelity (one per module).

`browser`: one headless Chromium per test session (so per xdist worker), for the console's tests,
the front's (tests/front) and the cross-site tests: a process can run only one sync Playwright, so
they must share it.

How long the generated (property-based) tests run: `make test` runs the bounded profile, few
examples, derandomized so every run and every xdist worker tries the same inputs, no example
database written into the tree. `make fuzz` (or HEAP_SIM_FUZZ=long) runs the long profile: many
more examples (HEAP_SIM_FUZZ_EXAMPLES, LONG_EXAMPLES by default), freshly random each run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from heap_mock.server import HeapMockServer
from heap_mock.testing import MockClient
from tests.console.conftest import CHROMIUM, CHROMIUM_ARGS

settings.register_profile(
    "bounded", derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.register_profile(
    "long", database=None, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
LONG_RUN = os.environ.get("HEAP_SIM_FUZZ") == "long"
settings.load_profile("long" if LONG_RUN else "bounded")
LONG_EXAMPLES = 2000
EXAMPLES_IN_LONG_RUN = int(os.environ.get("HEAP_SIM_FUZZ_EXAMPLES", str(LONG_EXAMPLES)))


def examples(bounded: int) -> int:
    """How many examples a generated test tries: `bounded` in `make test`, many more in `make fuzz`."""
    return EXAMPLES_IN_LONG_RUN if LONG_RUN else bounded


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium (.ci/run does) or set HEAP_SIM_CHROMIUM")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def documented_server() -> Iterator[HeapMockServer]:
    with HeapMockServer(config={"fidelity": "documented", "log_requests": False}) as server:
        yield server


@pytest.fixture
def documented(documented_server: HeapMockServer) -> MockClient:
    """A client of a simulator that refuses everything Heap's docs forbid, reset, on a fixed virtual clock."""
    client = MockClient(documented_server.url)
    client.reset()
    client.set_clock("2026-01-01T00:00:00Z")
    return client
