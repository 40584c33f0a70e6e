"""A front per test, delivering to the session's simulator in virtual time.

`front` is a running `FrontServer` whose Forwarder waits by advancing the simulator's clock
(`SimulatorTime`), so rate-limit windows and Retry-After waits pass without real waiting.
`HeldClock` is virtual time that stands still until the test releases it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from forwarder import Settings
from forwarder.clock import Clock
from forwarder.front.front import FrontOptions
from forwarder.front.server import FrontServer
from forwarder.virtual_time import SimulatorTime
from heap_mock.testing import MockClient

APP_ID = "11"
AUTH = ("test-key", "test-secret")
IDLE_TIMEOUT_S = 20.0


class FrontUnderTest:
    """A running front and the simulator behind it."""

    def __init__(self, server: FrontServer, heap: MockClient) -> None:
        self.server, self.heap = server, heap
        self.url = server.url
        self.http = requests.Session()

    def post(self, path: str, body: Any = None, *, auth: Any = AUTH, **kwargs: Any) -> requests.Response:
        return self.http.post(self.url + path, json=body, auth=auth, timeout=10, **kwargs)

    def settle(self) -> None:
        """Wait (on a condition, not a sleep) until everything queued has been delivered."""
        assert self.server.front.queue.wait_idle(IDLE_TIMEOUT_S), "the front did not deliver its queue"

    def lineage(self, batch_id: int) -> dict[str, Any]:
        response = self.http.get(f"{self.url}/_front/api/batches/{batch_id}", timeout=10)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def batches(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.http.get(f"{self.url}/_front/api/batches", timeout=10).json()["batches"]
        return result


FrontFactory = Callable[..., FrontUnderTest]


class HeldClock:
    """Virtual time that stands still: a wait returns only when woken (new requests, the drain) or,
    once the test calls `release`, moves the simulator's clock as SimulatorTime does. `waiting` is set
    each time the delivery thread starts to wait, so a test knows a lane is held at its window."""

    def __init__(self, time: SimulatorTime) -> None:
        self.time = time
        self.waiting = threading.Event()
        self._released = False
        self._wake: threading.Event | None = None

    def now(self) -> float:
        return self.time.now()

    def wait(self, seconds: float, wake: threading.Event) -> None:
        if self._released:
            self.time.wait(seconds, wake)
            return
        self._wake = wake
        self.waiting.set()
        assert wake.wait(20), "the test never released the delivery thread"

    def release(self) -> None:
        self._released = True
        if self._wake is not None:
            self._wake.set()


@pytest.fixture
def make_front(heap_mock: MockClient) -> Iterator[FrontFactory]:
    """Start fronts with chosen options (settings, api_key, queue_capacity, clock, drain_s, ...); all stop at the end.
    `clock` may be a function of the SimulatorTime the front would use otherwise."""
    servers: list[FrontServer] = []

    def start(
        settings: Settings | None = None,
        *,
        clock: Callable[[SimulatorTime], Clock] | None = None,
        drain_s: float = 5.0,
        session: requests.Session | None = None,
        **options: Any,
    ) -> FrontUnderTest:
        time = SimulatorTime(heap_mock.url)
        front_options = FrontOptions(heap_mock.url, settings or Settings(APP_ID), **options)
        server = FrontServer(front_options, clock=clock(time) if clock else time, drain_s=drain_s, session=session)
        servers.append(server.start())
        return FrontUnderTest(server, heap_mock)

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def front(make_front: FrontFactory) -> FrontUnderTest:
    return make_front()


def batch(*events: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """An iOS batch for MPID 42 holding `events`."""
    return {"mpid": "42", "device_info": {"platform": "iOS"}, "events": list(events), **fields}


def custom(name: str = "Clicked", **attributes: Any) -> dict[str, Any]:
    return {
        "event_type": "custom_event",
        "data": {"event_name": name, "custom_event_type": "navigation", "custom_attributes": attributes},
    }


def purchase(products: int) -> dict[str, Any]:
    """A purchase of `products` products: one Heap event, then one per product."""
    items = [{"id": f"SKU-{n}", "price": 1.5} for n in range(products)]
    return {"event_type": "commerce_event", "data": {"product_action": {"action": "purchase", "products": items}}}
