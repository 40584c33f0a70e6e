"""A long soak of `heap-mock serve` with the limits off: its memory against what its caps imply.

The simulator runs as users run it (`heap-mock serve --port 0`, granian, two request threads) in
its own process, with a config file that turns the limits off and sets

- `max_events` to 200,000 in the full run (1,000 in a quick one): small enough to fill in a few
  seconds before the soak starts (the 1,000,000 default would take five times as long to fill
  and measure a store five times as large), so the whole soak measures a store that drops its oldest events as
  fast as new ones arrive, 50,000 or more a second;
- `journal_max_bytes` to 64 MiB (1 MiB quick): the journal's byte cap, which the 121 KB bulk
  bodies reach after about 550 requests (about 11 s into the soak), so it is full well before
  half time and its share of the bound stays small beside the event store's (the 256 MiB default
  would only add its own size to the bound);
- `log_requests` off: the log line per request goes to stderr and holds no memory, and without it
  more of the two cores go to storing events.

**The bound the caps imply** is measured in the same process before the soak: the simulator's
resident set (VmRSS of granian's process and its worker) once its store holds exactly
`max_events` events, sent as the soak sends them; plus `journal_max_bytes`, since the journal may
hold that many bytes of bodies (counted in full although the fill already journaled some); plus a
fixed 32 MiB for what is in flight (each request thread holds a body and its parsed events) and
for the allocator's slack. Everything else the simulator keeps is bounded by the traffic's shape
rather than by a cap: users are one per (app, identity), so the load uses a fixed pool of 20,000
identities over 3 apps; the user store has no cap of its own. What the bound leaves out is how
much less densely a store that keeps turning over holds its events than one filled once (the
allocator's fragmentation); the README gives the figures.

**The soak**: bench/loadgen.py sends bulk track requests of 1,000 events (each event with
properties of its own, so no two share their text) over 4 loopback connections for 60 s (2 s in a
quick run), while this process sends single track requests one at a time and reads the
simulator's VmRSS and VmHWM (the kernel's peak) from /proc every second (0.25 s quick). Reported:
events sent (answered 200), events stored and dropped (GET /_mock/health), peak RSS (the sum of
VmHWM over the simulator's processes, so no peak between two samples is missed), RSS at half time
and at the end and their ratio (flat once the caps are reached: about 1.0), and the bound. The
line "peak RSS within bound" says whether the peak stayed under it; the smoke test does not assert
it (figures are not asserted, the machine is shared).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bench.bench_simulator import IDENTITY_POOL, single_track_body
from bench.loadgen import LoadResult, run_load

APPS = (b"11", b"22", b"33")
BULK_EVENTS = 1000
IN_FLIGHT_SLACK_BYTES = 32 * 1024 * 1024
MIB = 1024 * 1024


@dataclass(frozen=True)
class SoakPlan:
    """How big and how long: the full run's caps are reached in seconds, the quick run's at once."""

    max_events: int
    journal_max_bytes: int
    seconds: float
    sample_every_s: float

    def config(self) -> dict[str, object]:
        return {"limits_enabled": False, "max_events": self.max_events,
                "journal_max_bytes": self.journal_max_bytes, "log_requests": False}


FULL = SoakPlan(max_events=200_000, journal_max_bytes=64 * MIB, seconds=60.0, sample_every_s=1.0)
QUICK = SoakPlan(max_events=1_000, journal_max_bytes=1 * MIB, seconds=2.0, sample_every_s=0.25)


def soak_bulk_body(counter: int) -> bytes:
    """1,000 events for one of 3 apps, identities from the shared pool, properties unique to each event."""
    first = counter * BULK_EVENTS
    events = b",".join(
        b'{"identity":"user-%d@example.com","event":"Viewed Item","properties":{"n":%d,"sku":"SKU-%d","price":9.99}}'
        % ((first + i) % IDENTITY_POOL, first + i, (first + i) % 977)
        for i in range(BULK_EVENTS)
    )
    return b'{"app_id":"%s","events":[%s]}' % (APPS[counter % len(APPS)], events)


def status_kib(pid: int, name: str) -> int:
    """One `kB` line of /proc/PID/status (VmRSS, VmHWM), in KiB; 0 once the process is gone."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{name}:"):
                return int(line.split()[1])
    return 0


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants: granian serves from a worker process it spawns."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def tree_bytes(pids: list[int], name: str) -> int:
    return sum(status_kib(pid, name) for pid in pids) * 1024


@contextlib.contextmanager
def serving(plan: SoakPlan) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`heap-mock serve --port 0` with the plan's config; yields its base URL (its first line) and process."""
    with tempfile.TemporaryDirectory(prefix="heap-sim-soak-") as folder:
        config = Path(folder) / "config.json"
        config.write_text(json.dumps(plan.config()))
        argv = [sys.executable, "-m", "heap_mock", "serve", "--port", "0", "--config", str(config)]
        with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as process:  # closes the pipe
            try:
                assert process.stdout is not None
                yield process.stdout.readline().decode().strip(), process
            finally:
                process.terminate()
                process.wait(timeout=15)


class Client:
    """One keep-alive connection to the simulator, for the requests this process sends itself."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)

    def close(self) -> None:
        self.connection.close()

    def post(self, body: bytes) -> int:
        self.connection.request("POST", "/api/track", body, {"Content-Type": "application/json"})
        response = self.connection.getresponse()
        response.read()
        return response.status

    def health(self) -> dict[str, int]:
        self.connection.request("GET", "/_mock/health")
        response = self.connection.getresponse()
        counts: dict[str, int] = json.loads(response.read())["counts"]
        return counts


def fill_store(client: Client, max_events: int) -> None:
    """Store exactly `max_events` events, in the soak's bulk bodies, so the store is just full."""
    for counter in range(max_events // BULK_EVENTS):
        if client.post(soak_bulk_body(10**9 + counter)) != 200:
            raise RuntimeError("the simulator refused a bulk track request while filling its store")


@dataclass
class Samples:
    """RSS (bytes) each sample period, and the single track requests sent between samples."""

    rss: list[int] = field(default_factory=list)
    single_sent: int = 0
    single_failed: int = 0


def sample_while(load: threading.Thread, client: Client, pids: list[int], plan: SoakPlan) -> Samples:
    """Until the load ends: read RSS every period, and send single track requests in between."""
    samples, counter = Samples(), 0
    next_sample = time.monotonic()
    while load.is_alive():
        if time.monotonic() >= next_sample:
            samples.rss.append(tree_bytes(pids, "VmRSS"))
            next_sample += plan.sample_every_s
        counter += 1
        if client.post(single_track_body(counter)) == 200:
            samples.single_sent += 1
        else:
            samples.single_failed += 1
    samples.rss.append(tree_bytes(pids, "VmRSS"))
    return samples


def soak(url: str, plan: SoakPlan, client: Client, pids: list[int]) -> tuple[LoadResult, Samples]:
    """Bulk load from loadgen in a thread (its worker processes do the sending) while this thread samples."""
    results: list[LoadResult] = []
    load = threading.Thread(target=lambda: results.append(
        run_load(url, "/api/track", soak_bulk_body, seconds=plan.seconds, processes=2, connections=4)))
    load.start()
    samples = sample_while(load, client, pids, plan)
    load.join()
    if not results:
        raise RuntimeError("the load generator reported nothing")
    return results[0], samples


def run(quick: bool) -> dict[str, float]:
    plan = QUICK if quick else FULL
    with serving(plan) as (url, process), contextlib.closing(Client(url)) as client:
        client.health()
        pids = process_tree(process.pid)
        idle = tree_bytes(pids, "VmRSS")
        fill_store(client, plan.max_events)
        full_store = tree_bytes(pids, "VmRSS")
        bulk, samples = soak(url, plan, client, pids)
        counts = client.health()
        peak = tree_bytes(pids, "VmHWM")
    bound = full_store + plan.journal_max_bytes + IN_FLIGHT_SLACK_BYTES
    half, end = samples.rss[len(samples.rss) // 2], samples.rss[-1]
    sent = plan.max_events + bulk.statuses.get(200, 0) * BULK_EVENTS + samples.single_sent  # the fill's too
    figures: dict[str, float] = {
        "seconds": plan.seconds,
        "max_events": plan.max_events,
        "journal_max_mb": round(plan.journal_max_bytes / MIB, 1),
        "events_sent": sent,
        "bulk_requests_sent": bulk.statuses.get(200, 0),
        "single_requests_sent": samples.single_sent,
        "requests_not_200": sum(n for status, n in bulk.statuses.items() if status != 200) + samples.single_failed,
        "events_stored": counts["events"],
        "events_dropped": counts["events_dropped"],
        "events_unanswered_at_stop": counts["events"] + counts["events_dropped"] - sent,
        "idle_rss_mb": round(idle / MIB, 1),
        "rss_store_full_mb": round(full_store / MIB, 1),
        "bound_mb": round(bound / MIB, 1),
        "peak_rss_mb": round(peak / MIB, 1),
        "rss_at_half_mb": round(half / MIB, 1),
        "rss_at_end_mb": round(end / MIB, 1),
        "rss_end_over_half": round(end / half, 3),
        "peak_over_bound": round(peak / bound, 3),
    }
    for name, value in figures.items():
        print(f"{name:26} {value}")
    print(f"{'peak RSS within bound':26} {'pass' if peak <= bound else 'FAIL'}")
    return figures


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
