"""Fixtures shared by the simulator's tests: a second simulator under the `documented` fidelity."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from heap_mock.server import HeapMockServer
from heap_mock.testing import MockClient


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
