"""Delivery behind the bounded queue, lineage of every outcome, and shutdown with a drain."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import requests

from forwarder import Settings
from forwarder.front.lineage import LineageStore
from forwarder.mapping import map_batch
from heap_mock.server import free_port
from heap_mock.testing import MockClient
from tests.front.conftest import APP_ID, FrontFactory, FrontUnderTest, batch, custom


class BlockingSleep:
    """A sleep that waits for the test to release it: delivery stalls exactly where the test wants."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, seconds: float) -> None:
        self.entered.set()
        assert self.release.wait(20), "the test never released the delivery thread"


def test_a_full_queue_answers_429_with_retry_after_and_takes_nothing_half(
    make_front: FrontFactory, heap_mock: MockClient
) -> None:
    heap_mock.add_fault(path="/api/track", status=429, retry_after=1, times=1)
    stall = BlockingSleep()
    front = make_front(queue_capacity=3, sleep=stall)
    assert front.post("/v2/events", batch(custom("A"))).status_code == 202
    assert stall.entered.wait(10)  # batch A is in flight, waiting out its Retry-After
    assert front.post("/v2/events", batch(custom("B"))).status_code == 202
    too_many = front.post("/v2/bulkevents", [batch(custom("C")), batch(custom("D"))])
    assert too_many.status_code == 429
    assert too_many.headers["Retry-After"] == "1"
    assert too_many.json()["errors"][0]["code"] == "TOO_MANY_REQUESTS"
    assert front.post("/v2/events", batch(custom("C"))).status_code == 202
    assert front.post("/v2/events", batch(custom("D"))).status_code == 429
    stall.release.set()
    front.settle()
    assert [event["event"] for event in heap_mock.events()] == ["A", "B", "C"]
    assert front.post("/v2/events", batch(custom("D"))).status_code == 202


def test_the_queue_is_bounded_in_bytes_too(make_front: FrontFactory, heap_mock: MockClient) -> None:
    heap_mock.add_fault(path="/api/track", status=429, retry_after=1, times=1)
    stall = BlockingSleep()
    front = make_front(queue_max_bytes=5000, sleep=stall)
    big = batch(custom("Big", note="x" * 3000))
    assert front.post("/v2/events", big).status_code == 202  # an empty queue takes any one request
    assert stall.entered.wait(10)
    assert front.post("/v2/events", big).status_code == 429
    assert front.post("/v2/events", batch(custom("Small"))).status_code == 202
    stall.release.set()
    front.settle()
    assert [event["event"] for event in heap_mock.events()] == ["Big", "Small"]


def test_lineage_shows_throttled_retried_and_failed_deliveries(front: FrontUnderTest, heap_mock: MockClient) -> None:
    heap_mock.add_fault(path="/api/track", status=429, retry_after=2, times=1)
    first = front.post("/v2/events", batch(custom("Throttled once")))
    front.settle()
    heap_mock.add_fault(path="/api/track", status=503, times=1)
    front.post("/v2/events", batch(custom("Retried once")))
    front.settle()
    heap_mock.add_fault(path="/api/track", status=400, body="bad app", times=1)
    front.post("/v2/events", batch(custom("Refused by Heap")))
    front.settle()
    throttled, retried, failed = (front.lineage(n)["events"][0]["heap_requests"][0] for n in (1, 2, 3))
    assert (throttled["outcome"], throttled["attempts"], throttled["throttled"]) == ("delivered", [429, 200], 1)
    assert (retried["outcome"], retried["attempts"], retried["errors"]) == ("delivered", [503, 200], 1)
    assert (failed["outcome"], failed["attempts"]) == ("failed", [400])
    assert "bad app" in failed["reason"]
    assert [b["status"] for b in front.batches()] == ["failed", "delivered", "delivered"]
    assert first.headers["X-Heap-Sim-Lineage"].endswith("#batch-1")


def test_lineage_gives_every_skip_its_reason(make_front: FrontFactory) -> None:
    front = make_front(Settings(APP_ID, forward_web_requests_server_side=False, forward_user_attributes=True))
    front.post(
        "/v2/events",
        batch(custom("Kept"), {"event_type": "application_state_transition", "data": {}}, user_attributes={"plan": "pro"}),
    )
    front.post("/v2/events", batch(custom("From a toaster"), device_info={"platform": "Toaster"}))
    front.post("/v2/events", batch(custom("From the web"), device_info={"platform": "web"}))
    front.post("/v2/events", {"device_info": {"platform": "iOS"}, "events": [custom("Nobody")]})
    front.settle()
    kept = front.lineage(1)["events"]
    assert kept[0]["heap_requests"][0]["names"] == ["Kept"]
    assert "not forwarded" in kept[1]["skip_reason"]
    assert kept[2]["event_type"] == "user_attributes" and kept[2]["heap_requests"][0]["path"] == "/api/add_user_properties"
    reasons = [front.lineage(n)["events"][0]["skip_reason"] for n in (2, 3, 4)]
    assert "unsupported platform" in reasons[0]
    assert "client-side" in reasons[1]
    assert "missing identity" in reasons[2]
    assert [b["status"] for b in front.batches()[:3]] == ["skipped"] * 3


def test_the_lineage_store_stays_bounded() -> None:
    settings = Settings(APP_ID)
    store = LineageStore(max_batches=5, max_events=12)
    for n in range(50):
        events = [custom(f"E{n}")] * 4
        store.add_batch("t", "/v2/events", "events_api", batch(*events), map_batch(batch(*events), settings))
    counts = store.counts()
    assert counts["received"] == 50
    assert counts["kept"] == 3 and counts["events_kept"] == 12
    assert store.batch(1) is None and store.batch(50) is not None


def _serve(heap_url: str, *extra: str) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "forwarder", "serve", "--heap-url", heap_url, "--app-id", APP_ID, "--port", "0", *extra]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def _stop(process: subprocess.Popen[str], signum: int) -> tuple[int, dict[str, object], str]:
    process.send_signal(signum)
    out, err = process.communicate(timeout=30)
    return process.returncode, json.loads(out.strip().splitlines()[-1]), err


def test_stopping_delivers_everything_still_queued(make_front: FrontFactory, heap_mock: MockClient) -> None:
    heap_mock.add_fault(path="/api/track", status=429, retry_after=1, times=1)
    stall = BlockingSleep()
    front = make_front(sleep=stall)
    for name in ("A", "B", "C"):
        assert front.post("/v2/events", batch(custom(name))).status_code == 202
    assert stall.entered.wait(10)
    reports = []
    stopper = threading.Thread(target=lambda: reports.append(front.server.stop()))
    stopper.start()
    stall.release.set()
    stopper.join(20)
    assert reports[0].complete
    assert [event["event"] for event in heap_mock.events()] == ["A", "B", "C"]


def test_sigterm_stops_the_command_and_reports(heap_mock: MockClient) -> None:
    heap_mock.real_time()
    process, url = _serve(heap_mock.url, "--drain-timeout", "30")
    assert url.startswith("http://127.0.0.1:")
    for n in range(5):
        assert (
            requests.post(f"{url}/v2/events", json=batch(custom(f"Drained {n}")), auth=("k", "s"), timeout=10).status_code == 202
        )
    status, report, err = _stop(process, signal.SIGTERM)
    assert (status, report["drained"], report["batches_received"]) == (0, True, 5), err
    # Its start lines say the settings in force and how to change each (issue 21).
    assert re.search(r"^  external_id +mpid +--external-id mpid\|customer_id$", err, re.MULTILINE), err
    assert re.search(r"^  forward_user_attributes +false +--forward-user-attributes", err, re.MULTILINE), err
    assert f"recording: off; --record DIR records from the start, the pipeline view's button into {Path.cwd() / 'recorded-fixtures'}" in err
    assert sorted(event["event"] for event in heap_mock.events()) == [f"Drained {n}" for n in range(5)]


def test_sigint_with_an_unreachable_heap_reports_what_it_could_not_send(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port('127.0.0.1')}"
    process, url = _serve(dead, "--drain-timeout", "0")

    for n in range(3):
        assert requests.post(f"{url}/v2/events", json=batch(custom(f"Lost {n}")), auth=("k", "s"), timeout=10).status_code == 202
    status, report, err = _stop(process, signal.SIGINT)
    assert status == 1, err
    assert report["drained"] is False
    assert report["unsent_heap_events"] == 3 and report["unsent_batches"] == 3
    assert "Traceback" not in err


def test_a_busy_port_is_refused_with_exit_status_2() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [
            sys.executable,
            "-m",
            "forwarder",
            "serve",
            "--heap-url",
            "http://127.0.0.1:1",
            "--app-id",
            APP_ID,
            "--port",
            str(port),
        ]
        result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert f"cannot bind 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
