"""pytest fixtures for testing against the simulator (registered as a `pytest11` plugin).

- `heap_mock_server`: one `HeapMockServer` per test session (so one per xdist worker) on a free port.
- `heap_mock`: a `MockClient` for that server, reset before each test and with its clock in
  virtual time at `HEAP_MOCK_EPOCH` (heap_facts.times.SUITE_START), so every test starts from the same empty, still simulator.

Tests that need other settings start their own `HeapMockServer(config=...)`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from heap_facts.times import SUITE_START
from heap_mock.server import HeapMockServer
from heap_mock.testing import MockClient

HEAP_MOCK_EPOCH = SUITE_START


@pytest.fixture(scope="session")
def heap_mock_server() -> Iterator[HeapMockServer]:
    with HeapMockServer(config={"log_requests": False}) as server:
        yield server


@pytest.fixture
def heap_mock(heap_mock_server: HeapMockServer) -> MockClient:
    client = MockClient(heap_mock_server.url)
    client.reset()
    client.set_clock(HEAP_MOCK_EPOCH)
    return client
