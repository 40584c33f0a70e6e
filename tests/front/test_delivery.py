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
from typing import Any

import requests

from forwarder import Settings
from forwarder.front.lineage import LineageStore
from forwarder.mapping import map_batch
from forwarder.virtual_time import SimulatorTime
from heap_mock.server import free_port
from heap_mock.testing import MockClient
from tests.front.conftest import APP_ID, FrontFactory, FrontUnderTest, HeldClock, batch, custom, purchase


class BlockingClock:
    """Virtual time whose waits block until the test releases them (new requests do not end them):
    delivery stalls exactly where the test wants. Pass it as `make_front(clock=...)`."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.time: SimulatorTime | None = None

    def __call__(self, time: SimulatorTime) -> BlockingClock:
        self.time = time
        return self

    def now(self) -> float:
        assert self.time is not None
        return self.time.now()

    def wait(self, seconds: float, wake: threading.Event) -> None:
        assert self.time is not None
        self.entered.set()
        assert self.release.wait(20), "the test never released the delivery thread"
        self.time.sleep(seconds)


def test_a_full_queue_answers_429_with_retry_after_and_takes_nothing_half(
    make_front: FrontFactory, heap_mock: MockClient
) -> None:
    heap_mock.add_fault(path="/api/track", status=429, retry_after=1, times=1)
    stall = BlockingClock()
    front = make_front(queue_capacity=3, clock=stall)
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


def test_the_queue_is_bounded_in_heap_events_waiting(make_front: FrontFactory, heap_mock: MockClient) -> None:
    heap_mock.add_fault(path="/api/track", status=429, retry_after=1, times=1)
    stall = BlockingClock()
    front = make_front(max_waiting_events=5, max_upload_events=5, clock=stall)
    three_products = batch(purchase(3))  # 4 Heap events: the main event and one per product
    assert front.post("/v2/events", three_products).status_code == 202
    assert stall.entered.wait(10)
    assert front.post("/v2/events", batch(custom("Fifth"))).status_code == 202
    full = front.post("/v2/events", batch(custom("Sixth")))
    assert full.status_code == 429 and full.headers["Retry-After"] == "1"
    message = full.json()["errors"][0]["message"]
    assert message.startswith("5 Heap events are waiting for delivery and this upload would add 1") and "--max-waiting-events" in message
    assert front.server.front.queue.waiting_events() == 5
    stall.release.set()
    front.settle()
    assert front.server.front.queue.waiting_events() == 0
    assert front.post("/v2/events", batch(custom("Sixth"))).status_code == 202


def test_the_queue_is_bounded_in_memory_too(make_front: FrontFactory, heap_mock: MockClient) -> None:
    heap_mock.add_fault(path="/api/track", status=429, retry_after=1, times=1)
    stall = BlockingClock()
    front = make_front(queue_max_bytes=1 << 20, clock=stall)
    big = batch(custom("Big", note="x" * 600_000))  # its text, kept while it waits: 0.6 MB of the 1 MiB allowed
    assert front.post("/v2/events", big).status_code == 202  # an empty queue takes any one upload
    assert stall.entered.wait(10)
    assert front.post("/v2/events", big).status_code == 429
    assert front.post("/v2/events", batch(custom("Small"))).status_code == 202
    stall.release.set()
    front.settle()
    assert [event["event"] for event in heap_mock.events(order="asc")] == ["Big", "Small"]


def batch_id(response: requests.Response) -> int:
    return int(response.headers["X-Heap-Sim-Lineage"].rsplit("-", 1)[1])


def test_an_identity_paced_at_its_limit_holds_up_no_other(make_front: FrontFactory, heap_mock: MockClient) -> None:
    # Issue 18: one 100-event batch for one identity, paced to 30 tracks per 30 s, held back ten
    # later one-event batches for other identities. Time stands still here until the test says.
    front = make_front(clock=HeldClock)
    clock = front.server.front.queue.forwarder.clock
    assert isinstance(clock, HeldClock)
    assert front.post("/v2/events", batch(*[custom(f"A{n}") for n in range(100)])).status_code == 202
    assert clock.waiting.wait(10)  # 30 sent; the identity's next waits for its window
    others = [front.post("/v2/events", batch(custom(f"B{n}"), mpid=str(1000 + n))) for n in range(10)]
    assert front.server.front.queue.wait_done([batch_id(response) for response in others], 10), "others waited for the paced identity"
    assert clock.now() == 0.0  # delivered at once: no time passed
    assert sorted(event["event"] for event in heap_mock.events() if event["identity"] != "42") == [f"B{n}" for n in range(10)]
    assert len(heap_mock.events(identity="42")) == 30
    clock.release()
    front.settle()
    assert [event["event"] for event in heap_mock.events(identity="42", order="asc")] == [f"A{n}" for n in range(100)]
    assert {request["status"] for request in heap_mock.requests()} == {200}


def test_uploads_get_503_with_retry_after_from_the_stop_until_the_socket_closes(make_front: FrontFactory, heap_mock: MockClient) -> None:
    heap_mock.add_fault(path="/api/track", status=429, retry_after=1, times=1)
    stall = BlockingClock()
    front = make_front(clock=stall, drain_s=5.0)
    assert front.post("/v2/events", batch(custom("A"))).status_code == 202
    assert stall.entered.wait(10)  # A waits out its Retry-After: the drain has something to do
    stopper = threading.Thread(target=front.server.stop)
    stopper.start()
    assert front.server.front.queue.closing.wait(10)
    late = front.post("/v2/events", batch(custom("Late")))
    assert (late.status_code, late.headers["Retry-After"]) == (503, "5")
    assert late.json()["errors"][0]["code"] == "SERVICE_UNAVAILABLE"
    stall.release.set()
    stopper.join(20)
    assert front.server.report is not None and front.server.report.complete
    assert [event["event"] for event in heap_mock.events()] == ["A"]


class HangingSession(requests.Session):
    """Every post hangs until the test releases it: an attempt in flight that does not end by itself."""

    def __init__(self) -> None:
        super().__init__()
        self.posting = threading.Event()
        self.release = threading.Event()

    def post(self, url: Any, data: Any = None, json: Any = None, **kwargs: Any) -> requests.Response:
        self.posting.set()
        self.release.wait(60)
        raise requests.ConnectionError("released by the test")


def test_the_drain_time_limit_bounds_an_attempt_in_flight(make_front: FrontFactory) -> None:
    # Issue 18: with --drain-timeout 3 the front exited 5.6 s after SIGTERM, since an attempt in
    # flight was given its own timeout (up to 13 s more) on top of the limit.
    session = HangingSession()
    front = make_front(drain_s=0.0, session=session)
    assert front.post("/v2/events", batch(custom("Stuck"))).status_code == 202
    assert session.posting.wait(10)
    stopper = threading.Thread(target=front.server.stop)
    stopper.start()
    stopper.join(10)
    try:
        assert not stopper.is_alive(), "stopping waited for the attempt in flight past the drain's time limit"
        report = front.server.report
        assert report is not None and (report.unsent_batches, report.unsent_heap_events) == ([1], 1)
        kept = front.server.front.lineage.batch(1)  # the socket is closed now: read the store itself
        assert kept is not None and kept["events"][0]["heap_requests"][0]["outcome"] == "unsent"
    finally:
        session.release.set()


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
    stall = BlockingClock()
    front = make_front(clock=stall)
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
