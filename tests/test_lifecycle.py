"""The whole lifecycle over real processes, as a user lives it: start, traffic, Ctrl-C, start again at once.

Ctrl-C is SIGINT to the command's process group, as a terminal sends it. After each stop every
process of the command must be gone and its ports free within STOP_S, and the next round starts
at once on the same ports (issue 17: a simulator outlived `make run`, and a clean stop left the
port refused for a minute). SDK traffic goes through the front with mParticle's own Python SDK,
so keep-alive connections from the front to the simulator are open when the stop comes.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import mparticle  # type: ignore[import-untyped]
import pytest

from forwarder.front import pipeline
from heap_mock.testing import MockClient
from http_layer.servers import free_port

# One xdist worker runs these, from early on (tests/conftest.py): together they take seconds of real
# process rounds, which at the end of a run would leave the other worker idle.
pytestmark = pytest.mark.xdist_group("lifecycle")

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 10
STOP_S = 5.0


def sdk_upload(front_url: str, customer: str) -> None:
    """One batch with a custom event, sent by mParticle's Python SDK as an app would."""
    configuration = mparticle.Configuration()
    configuration.api_key, configuration.api_secret = "key", "secret"
    configuration.host = f"{front_url}/v2"
    batch = mparticle.Batch()
    batch.environment = "development"
    identities = mparticle.UserIdentities()
    identities.customerid = customer
    batch.user_identities = identities
    batch.events = [mparticle.AppEvent("Played Song", "navigation", custom_attributes={"genre": "jazz"})]
    mparticle.EventsApi(configuration).upload_events(batch)


def children_of(pid: int) -> list[int]:
    """Every descendant of `pid` now, read from /proc (the simulator of `make run` lives in its own group)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [child for child, ppid in parents.items() if ppid == parent]
        found += kids
        frontier += kids
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@contextmanager
def command(*argv: str, lines: int = 1) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    """A command in a process group of its own, as a terminal starts it, and its first `lines` of stdout."""
    process = subprocess.Popen([sys.executable, *argv], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert process.stdout is not None
    try:
        first = [process.stdout.readline().strip() for _ in range(lines)]
        assert all(line.startswith("http://") for line in first), (first, process.stderr.read() if process.poll() is not None else "")
        yield process, first
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        process.stdout.close()
        assert process.stderr is not None
        process.stderr.close()


def ctrl_c(process: subprocess.Popen[str], ports: tuple[int, ...]) -> int:
    """SIGINT to the process group; every descendant gone and every port free within STOP_S. Its exit status."""
    family = [process.pid, *children_of(process.pid)]
    started = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)
    status = process.wait(timeout=STOP_S)
    while any(alive(pid) for pid in family) or any(listening(port) for port in ports):
        assert time.monotonic() - started < STOP_S, f"still running: {[pid for pid in family if alive(pid)]}, listening: {[p for p in ports if listening(p)]}"
        time.sleep(0.02)
    return status


def events_of(url: str, identity: str, count: int) -> None:
    client = MockClient(url)
    deadline = time.monotonic() + 10
    while len(client.events(identity=identity)) < count:
        assert time.monotonic() < deadline, f"{identity}'s events did not arrive"
        time.sleep(0.02)


def test_make_run_stops_whole_on_ctrl_c_and_starts_again_at_once_on_the_same_ports() -> None:
    mock_port, front_port = free_port(), free_port()
    for round_ in range(ROUNDS):
        argv = ("-m", "forwarder.front.pipeline", "--mock-port", str(mock_port), "--front-port", str(front_port), "--no-demo")
        with command(*argv, lines=2) as (process, (mock_url, front_url)):
            assert children_of(process.pid), "make run's simulator is its own process"
            sdk_upload(front_url, f"cust-{round_}")
            events_of(mock_url, f"cust-{round_}", 1)
            assert ctrl_c(process, (mock_port, front_port)) == 0


def test_heap_mock_serve_stops_on_ctrl_c_and_starts_again_at_once_on_the_same_port() -> None:
    port = free_port()
    for round_ in range(ROUNDS):
        with command("-m", "heap_mock", "serve", "--port", str(port)) as (process, (url,)):
            client = MockClient(url)
            assert client.post("/api/track", {"app_id": "11", "identity": f"u{round_}", "event": "E"}).status_code == 200
            assert ctrl_c(process, (port,)) == 0


def test_heap_forward_serve_stops_on_ctrl_c_and_starts_again_at_once_on_the_same_port(heap_mock: MockClient) -> None:
    port = free_port()
    for round_ in range(ROUNDS):
        argv = ("-m", "forwarder", "serve", "--heap-url", heap_mock.url, "--app-id", "11", "--external-id", "customer_id", "--port", str(port))
        with command(*argv) as (process, (front_url,)):
            sdk_upload(front_url, f"cust-{round_}")
            events_of(heap_mock.url, f"cust-{round_}", 1)
            assert ctrl_c(process, (port,)) == 0


STUBBORN = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(60)"


def test_a_simulator_that_outlives_its_grace_period_is_killed_and_that_is_said(capsys: pytest.CaptureFixture[str]) -> None:
    child = subprocess.Popen([sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE, text=True, process_group=0)
    assert child.stdout is not None and child.stdout.readline() == "ready\n"
    started = time.monotonic()
    assert pipeline.stop_simulator(child, grace_s=0.3) == pipeline.EXIT_KILLED
    assert child.returncode == -signal.SIGKILL and time.monotonic() - started < STOP_S
    assert "did not stop within 0.3 s of SIGTERM and was killed" in capsys.readouterr().err
    child.stdout.close()


def test_make_runs_simulator_stops_when_make_run_is_killed_without_a_word() -> None:
    argv = ("-m", "forwarder.front.pipeline", "--mock-port", "0", "--front-port", "0", "--no-demo")
    with command(*argv, lines=2) as (process, _):
        [simulator] = children_of(process.pid)
        os.kill(process.pid, signal.SIGKILL)  # no handler runs: only the kernel can tell the child
        process.wait(timeout=STOP_S)
        deadline = time.monotonic() + STOP_S
        while alive(simulator):
            assert time.monotonic() < deadline, "the simulator outlived the pipeline that started it"
            time.sleep(0.02)


WAITER = "from heap_facts.entry import stop_on_signals\nstop = stop_on_signals()\nprint('ready', flush=True)\nstop.wait()\n"


def test_a_burst_of_signals_stops_a_waiting_command_every_time() -> None:
    # A handler that set a threading.Event could block forever on the lock the main thread held
    # inside Event.wait (a make run hung so, and orphaned its simulator): with 2,000 signals sent
    # at once, 4 of 10 waiting processes never stopped. The flag a handler sets now takes no lock.
    # Signals still arriving once the process is finishing may end it by their default action.
    for _ in range(10):
        waiter = subprocess.Popen([sys.executable, "-c", WAITER], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert waiter.stdout is not None
        try:
            assert waiter.stdout.readline() == "ready\n"
            for number in range(2000):
                try:
                    os.kill(waiter.pid, signal.SIGTERM if number % 2 else signal.SIGINT)
                except ProcessLookupError:
                    break
            assert waiter.wait(timeout=STOP_S) in (0, -signal.SIGINT, -signal.SIGTERM)
        finally:
            if waiter.poll() is None:
                waiter.kill()
                waiter.wait()
            waiter.stdout.close()
