"""Fixtures and settings shared by more than one test folder.

`documented`: a client of a second simulator, under the `documented` fidelity (one per module).

`browser`: one headless Chromium per test session (so per xdist worker), for the console's tests,
the front's (tests/front) and the cross-site tests: a process can run only one sync Playwright, so
they must share it.

xdist groups (`make test` runs `--dist loadgroup`: a group runs whole on one worker, the largest
groups first): every test that uses `browser` is in the group `browser`, so Chromium starts on one
worker only; every test that uses the built wheel (`installed`, tests/packaging) in `packaging`, so
no worker waits on another's build lock; tests/test_lifecycle.py marks its own (`lifecycle`), so its
seconds of process rounds start early on the other worker instead of ending the run alone.

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
from _pytest.nodeid import NodeId
from hypothesis import HealthCheck, settings

from heap_mock.server import HeapMockServer
from heap_mock.testing import MockClient
from tests.browser import CHROMIUM, CHROMIUM_ARGS, Tab

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


# The fixtures whose cost is paid once per worker that uses them, and the worker group of their users.
FIXTURE_GROUPS = {"browser": "browser", "installed": "packaging"}


def fixture_group(item: pytest.Item) -> str | None:
    """The group a test joins by the fixtures it uses (so a new browser test joins by itself)."""
    return next((FIXTURE_GROUPS[name] for name in getattr(item, "fixturenames", ()) if name in FIXTURE_GROUPS), None)


def worker_group(item: pytest.Item) -> str | None:
    """The xdist group a test is marked with, its own or its fixtures' (one per test here)."""
    mark = item.get_closest_marker("xdist_group")
    return None if mark is None else str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))


def grouped_id(nodeid: str, group: str) -> str:
    """The ID with which an xdist worker tells the controller a test's group: `<nodeid>@<group>`."""
    return nodeid if nodeid.endswith(f"@{group}") else f"{nodeid}@{group}"


def _set_id(item: pytest.Item, nodeid: str) -> None:
    item._id = NodeId.parse(nodeid)  # type: ignore[attr-defined]  # where pytest 9.2 keeps a node's ID


def pytest_configure(config: pytest.Config) -> None:
    # xdist declares the mark itself; declared here too, so `-p no:xdist` runs pass --strict-markers.
    config.addinivalue_line("markers", "xdist_group(name): run on the one xdist worker that runs this group, under --dist loadgroup")


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups off the items
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test its group, and its own ID: pytest 9.2 builds a parametrized item's ID from its callspec,
    so schemathesis's items (tests/console/test_openapi_generated.py, one per operation) all got their
    function's bare ID, and `--dist loadgroup`, which keys its work by ID, ran one of the 27. Their ID
    is again their parent's and their name, as before 9.2."""
    for item in items:
        if item.parent is not None and not item.nodeid.endswith(item.name):
            _set_id(item, f"{item.parent.nodeid}::{item.name}")
        group = fixture_group(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(tryfirst=True)  # before xdist sends the collected IDs to the controller
def pytest_collection_finish(session: pytest.Session) -> None:
    """pytest-xdist 3.8 passes a test's group by appending `@group` to `item._nodeid`, which pytest 9.2
    no longer reads (pytest-dev/pytest-xdist#1386): `--dist loadgroup` then silently groups nothing.
    On a loadgroup worker, set the suffix where pytest keeps the ID; where xdist managed, nothing changes."""
    if not getattr(session.config.option, "loadgroup", False):  # set by xdist on its workers only
        return
    for item in session.items:
        group = worker_group(item)
        if group is not None and not item.nodeid.endswith(f"@{group}"):
            _set_id(item, grouped_id(item.nodeid, group))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium (.ci/run does) or set HEAP_SIM_CHROMIUM")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def browser_context(browser: Any) -> Iterator[Any]:
    """The worker's one browser context (a new one costs Chromium about 0.3 s): each test's server has
    a port, so an origin and storage, of its own. Tests whose page must start with no cookies at all
    (mParticle's web SDK keeps its own, and cookies ignore the port) open a context of their own."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(8000)
    yield context
    context.close()


@pytest.fixture(scope="session")
def _tabs(browser_context: Any) -> list[Tab]:
    return []


@pytest.fixture
def tab(_tabs: list[Tab], browser_context: Any) -> Iterator[Tab]:
    """The worker's browser page, blank, with no records of an earlier test (see Tab)."""
    if not _tabs:
        _tabs.append(Tab(browser_context))
    lent = _tabs[0].lend()
    yield lent
    if not lent.take_back():
        _tabs.clear()


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
