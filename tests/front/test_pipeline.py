"""`make run`: the simulator and the front together, the demo data flowing in through the front."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests

from forwarder.front import demo
from forwarder.mapping import map_batch
from heap_mock.server import free_port
from heap_mock.testing import MockClient
from tests.front.conftest import FrontFactory

HEAP_EVENT_TYPES = {"custom_event", "screen_view", "commerce_event", "session_start", "session_end"}
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def expected_heap_events() -> int:
    return sum(map_batch(batch, demo.DEMO_SETTINGS).heap_events for batch in demo.load_batches())


def test_bundled_batches_cover_every_event_type_heap_takes() -> None:
    batches = demo.load_batches()
    types_seen = Counter(event["event_type"] for batch in batches for event in batch["events"])
    assert set(types_seen) == HEAP_EVENT_TYPES
    commerce = [e["data"] for b in batches for e in b["events"] if e["event_type"] == "commerce_event"]
    assert any(len(data.get("product_action", {}).get("products", [])) >= 2 for data in commerce)
    assert {"product_action", "promotion_action", "product_impressions"} <= {key for data in commerce for key in data}
    assert sum(1 for batch in batches if batch.get("user_attributes")) >= 3


def test_the_demo_goes_through_the_front_as_an_sdk_sends_it(make_front: FrontFactory, heap_mock: MockClient) -> None:
    front = make_front(demo.DEMO_SETTINGS)
    summary = demo.send_demo(front.url)
    assert summary.error is None and summary.statuses == Counter({202: len(demo.load_batches())})
    front.settle()
    events = heap_mock.events(app_id=demo.DEMO_APP_ID)
    assert len(events) == expected_heap_events()
    assert all(event["lineage"].startswith(front.url + "/_front/pipeline#batch-") for event in events)
    assert all(user["properties"] for user in heap_mock.users())


def test_the_demo_against_no_front_says_so_in_one_line() -> None:
    url = f"http://127.0.0.1:{free_port('127.0.0.1')}"
    summary = demo.send_demo(url)
    assert summary.batches == 0
    assert summary.line(url).startswith("demo: stopped after 0 batches: ConnectionError")


def read_until(stream: Any, prefix: str) -> list[str]:
    lines: list[str] = []
    for line in iter(stream.readline, ""):
        lines.append(line.rstrip("\n"))
        if line.startswith(prefix):
            break
    return lines


def test_make_run_takes_the_fronts_settings_prints_them_and_how_to_change_them(tmp_path: Path) -> None:
    # Issue 21: an SDK that sends only an MPID had every event skipped, the reason only on the lineage
    # page; now `make run EXTERNAL_ID=mpid` fixes it, and the settings are printed at start.
    recorded = tmp_path / "recorded"
    command = ["make", "--no-print-directory", "-o", ".venv/.installed-stamp", "run", "PORT=0", "FRONT_PORT=0", "DEMO=--no-demo",
               "APP_ID=77", "EXTERNAL_ID=mpid", "FORWARD_USER_ATTRIBUTES=false", f"RECORD={recorded}"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT, start_new_session=True)
    assert process.stdout is not None
    try:
        lines = read_until(process.stdout, "recording:")
        mock_url, front_url = lines[lines.index(next(line for line in lines if line.startswith("http"))) :][:2]
        assert re.search(r"^  app_id +77 +make run APP_ID=<digits>$", "\n".join(lines), re.MULTILINE), lines
        assert re.search(r"^  external_id +mpid +make run EXTERNAL_ID=mpid\|customer_id", "\n".join(lines), re.MULTILINE), lines
        assert re.search(r"^  forward_user_attributes +false +make run FORWARD_USER_ATTRIBUTES=true\|false$", "\n".join(lines), re.MULTILINE)
        assert lines[-1] == f"recording: into {recorded} (each stop in the pipeline view lists the files it wrote)"
        anonymous = {"mpid": "8675309", "device_info": {"platform": "iOS"}, "user_attributes": {"plan": "pro"},
                     "events": [{"event_type": "custom_event", "data": {"event_name": "Only An MPID"}}]}  # fmt: skip
        assert requests.post(f"{front_url}/v2/events", json=anonymous, auth=("k", "s"), timeout=10).status_code == 202
        heap = MockClient(mock_url)
        deadline = time.monotonic() + 20
        while not heap.events():  # delivery runs in real time in that process
            assert time.monotonic() < deadline, "the event did not arrive"
            time.sleep(0.05)
        [event] = heap.events()
        assert (event["app_id"], event["identity"], event["event"]) == ("77", "8675309", "Only An MPID")
        assert heap.users()[0]["properties"] == {}  # user attributes not forwarded
        assert [path.suffix for path in recorded.glob("*")] == [".json"]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        process.stdout.close()


def test_make_run_starts_both_and_the_demo_arrives_with_lineage() -> None:
    command = [sys.executable, "-m", "forwarder.front.pipeline", "--mock-port", "0", "--front-port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    assert process.stdout is not None
    try:
        mock_url, front_url = process.stdout.readline().strip(), process.stdout.readline().strip()
        lines = []
        for line in iter(process.stdout.readline, ""):
            lines.append(line)
            if line.startswith("demo:"):
                break
        assert any("configuration.host = '" + front_url + "/v2'" in line for line in lines)
        assert "4× 202" in lines[-1]
        heap = MockClient(mock_url)
        deadline = time.monotonic() + 20
        while len(heap.events()) < expected_heap_events():  # delivery runs in real time in that process
            assert time.monotonic() < deadline, "the demo's events did not all arrive"
            time.sleep(0.05)
        assert requests.get(front_url + "/_front/api/batches", timeout=10).json()["counts"]["received"] == 4
    finally:
        process.send_signal(signal.SIGTERM)
        status = process.wait(timeout=30)
        process.stdout.close()
    assert status == 0


def test_make_run_starts_its_simulator_before_it_loads_the_front() -> None:
    # The simulator is started once the options are read; the front's modules (the delivery, its
    # HTTP client, the site) load after that, while the simulator loads its own on the other core.
    probe = "import sys, forwarder.front.pipeline; print(sorted(m for m in ('requests', 'forwarder.delivery', 'forwarder.front.server', 'forwarder.front.site') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
