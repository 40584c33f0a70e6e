"""Delay faults in flight never starve the control plane or the console, over real HTTP.

The simulator runs as users run it (`heap-mock serve`, granian, the default two request threads).
Delays are a minute long; the test never waits them out: clearing the faults ends them.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import requests

from heap_mock.testing import MockClient
from http_layer.delays import DelayRoom

EVENT = {"app_id": "11", "identity": "slow", "event": "E"}
CONTROL_TIMEOUT_S = 10  # far above a free thread's answer, far below the delay


@pytest.fixture(params=["granian", "waitress"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[str, str, int]]:
    threads = 2
    command = [sys.executable, "-m", "heap_mock", "serve", "--port", "0", "--server", request.param, "--threads", str(threads)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    yield process.stdout.readline().strip(), request.param, threads
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=15)


def until(condition: Callable[[], bool], what: str) -> None:
    """Poll the server until `condition` holds (the server's state, not a fixed sleep)."""
    deadline = time.monotonic() + CONTROL_TIMEOUT_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_the_control_plane_and_console_answer_while_delayed_requests_wait(served: tuple[str, str, int]) -> None:
    # Under waitress a delay holds a request thread, so only threads - 1 may wait and the rest are
    # answered 503 at once; under granian a delay holds no thread, so all of them wait.
    url, server, threads = served
    control = MockClient(url, timeout=CONTROL_TIMEOUT_S)
    control.add_fault(path="/api/track", delay_ms=60_000)
    answers: list[requests.Response] = []
    senders = [
        threading.Thread(target=lambda: answers.append(requests.post(f"{url}/api/track", json=EVENT, timeout=30)))
        for _ in range(threads + 1)
    ]
    for sender in senders:
        sender.start()
    until(lambda: control.faults()[0]["matched"] == threads + 1, "every delayed request to arrive")
    assert control.health()["status"] == "ok"
    assert requests.get(f"{url}/", timeout=CONTROL_TIMEOUT_S).status_code == 200
    control.clear_faults()  # removing the fault ends the delays being waited out
    for sender in senders:
        sender.join(timeout=CONTROL_TIMEOUT_S)
    waited = threads - 1 if server == "waitress" else threads + 1
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] * waited + [503] * (threads + 1 - waited)
    assert [entry["rule_id"] for entry in control.requests(status=503)] == ["fault.delay_capacity"] * (threads + 1 - waited)
    assert len(control.events()) == waited


def test_a_room_for_two_threads_holds_one_waiter_and_wakes_it_on_demand() -> None:
    room = DelayRoom.for_threads(2)
    entered = threading.Event()
    done = threading.Event()

    def wait() -> None:
        entered.set()
        room.wait(60)
        done.set()

    waiter = threading.Thread(target=wait)
    waiter.start()
    entered.wait(5)
    until(lambda: room.waiting == 1, "the waiter to enter")
    with pytest.raises(Exception, match="request thread"):
        room.wait(60)
    room.wake_all()
    assert done.wait(5)
    waiter.join(5)
