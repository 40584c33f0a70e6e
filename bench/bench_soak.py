"""A long soak of `heap-mock serve` with the limits off: its memory against what its caps imply.

The simulator runs as users run it (`heap-mock serve --port 0`, granian, two request threads) in
its own process, with a config file that turns the limits off and sets

- `max_events` to 200,000 in the full run (1,000 in a quick one): small enough to fill and turn
  over in seconds (the 1,000,000 default would take five times as long and measure a store five
  times as large), so the whole soak measures a store that drops its oldest events as fast as new
  ones arrive, 50,000 or more a second;
- `journal_max_bytes` to 64 MiB (1 MiB quick): the journal's byte cap, which the 121 KB bulk
  bodies reach after about 550 requests, so its share of the bound stays small beside the event
  store's (the 256 MiB default would only add its own size to the bound);
- in the `new_identities` mode, `max_users` to `max_events`: there every event names an identity
  never seen before, the traffic that grew the user store and the identify graph without bound
  before they were capped;
- `log_requests` off: the log line per request goes to stderr and holds no memory, and without it
  more of the two cores go to storing events.

Two modes, each in a fresh simulator: `identity_pool` (20,000 identities over 3 apps, so the
users stay few and the event store is what turns over) and `new_identities` (every event a new
identity, so the user store turns over with the events).

**The bound the caps imply** is measured in the same process before the soak, after the stores
have reached their steady state rather than just filled: a store filled once holds its events
densely, but one that keeps turning over holds them less densely (freed blocks are reused only in
part; the allocator's fragmentation), which measured about 70 MB more at 200,000 events. So the
store is filled to `max_events` and then turned over again and again, in the soak's own bodies,
reading the simulator's resident set (VmRSS of granian's process and its worker) after each
turnover, until two turnovers in a row each add less than 1% (at least 3 turnovers, at most 12); the last reading
is the **steady level**. Three turnovers alone were not enough: at 200,000 events RSS read 223,
261, 290 and 309 MB after the fill and three turnovers, and the soak then peaked at 345 MB. The bound is that level, plus whatever
of `journal_max_bytes` the fill and turnover had not yet sent (in the full run they send 800 or more
bodies of 121 KB, more than the 64 MiB cap, so the journal is already at its cap in the steady
level and adds nothing; in the quick run it adds the rest of its 1 MiB), plus a stated slack of 32 MiB for what
is in flight (each request thread holds a body and its parsed events) and for the allocator's
further drift. The readings after each turnover are printed, so it can be seen how the level
settled.

**The soak**: bench/loadgen.py sends bulk track requests of 1,000 events (each event with
properties of its own, so no two share their text) over 4 loopback connections for 60 s (2 s in a
quick run), while this process sends single track requests one at a time and reads the
simulator's VmRSS and VmHWM (the kernel's peak) from /proc every second (0.25 s quick). Reported
per mode: events sent (answered 200), events stored and dropped and users stored and dropped
(GET /_mock/health), peak RSS (the sum of VmHWM over the simulator's processes, so no peak between
two samples is missed), RSS at half time and at the end and their ratio (flat once the caps are
reached: about 1.0), and the bound. The line "peak RSS within bound" says whether the peak stayed
under it; the smoke test does not assert it (figures are not asserted, the machine is shared).
"""

from __future__ import annotations

import contextlib
import functools
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
from bench.checks import Check, ending
from bench.loadgen import LoadResult, run_load

APPS = (b"11", b"22", b"33")
BULK_EVENTS = 1000
IN_FLIGHT_SLACK_BYTES = 32 * 1024 * 1024
MIB = 1024 * 1024
TURNOVERS = (3, 12)  # at least, at most
SETTLED = 0.01  # a turnover that adds less than this share of RSS: the level has settled
FILL_COUNTERS = 5 * 10**9  # above loadgen's worker seeds (0 and 10**9), so fill bodies never repeat the soak's
MODES = ("identity_pool", "new_identities")


@dataclass(frozen=True)
class SoakPlan:
    """How big and how long: the full run's caps are reached in seconds, the quick run's at once."""

    max_events: int
    journal_max_bytes: int
    seconds: float
    sample_every_s: float

    def config(self, mode: str) -> dict[str, object]:
        users = {"max_users": self.max_events} if mode == "new_identities" else {}
        return {"limits_enabled": False, "max_events": self.max_events,
                "journal_max_bytes": self.journal_max_bytes, "log_requests": False, **users}


FULL = SoakPlan(max_events=200_000, journal_max_bytes=64 * MIB, seconds=60.0, sample_every_s=1.0)
QUICK = SoakPlan(max_events=1_000, journal_max_bytes=1 * MIB, seconds=2.0, sample_every_s=0.25)


def soak_bulk_body(counter: int, new_identities: bool = False) -> bytes:
    """1,000 events for one of 3 apps, properties unique to each event; identities from the shared
    pool, or (`new_identities`) each one never sent before (counters never repeat across senders)."""
    first = counter * BULK_EVENTS
    identity = b"new-%d@example.com" if new_identities else b"user-%d@example.com"
    events = b",".join(
        b'{"identity":"%s","event":"Viewed Item","properties":{"n":%d,"sku":"SKU-%d","price":9.99}}'
        % (identity % (first + i if new_identities else (first + i) % IDENTITY_POOL), first + i, (first + i) % 977)
        for i in range(BULK_EVENTS)
    )
    return b'{"app_id":"%s","events":[%s]}' % (APPS[counter % len(APPS)], events)


def body_maker(mode: str) -> functools.partial[bytes]:
    """The mode's bulk body maker (a partial of a module function, so loadgen's workers can take it)."""
    return functools.partial(soak_bulk_body, new_identities=mode == "new_identities")


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
def serving(plan: SoakPlan, mode: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`heap-mock serve --port 0` with the plan's config; yields its base URL (its first line) and process."""
    with tempfile.TemporaryDirectory(prefix="heap-sim-soak-") as folder:
        config = Path(folder) / "config.json"
        config.write_text(json.dumps(plan.config(mode)))
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


def send_bulk(client: Client, make_body: functools.partial[bytes], first: int, requests: int) -> int:
    """Send `requests` bulk bodies one after another; returns the body bytes sent."""
    sent = 0
    for counter in range(first, first + requests):
        body = make_body(counter)
        if client.post(body) != 200:
            raise RuntimeError("the simulator refused a bulk track request while filling its store")
        sent += len(body)
    return sent


@dataclass
class Steady:
    """The RSS once the store was just full, then after each turnover; and the body bytes sent."""

    rss_full: int
    rss_turnovers: list[int]
    body_bytes: int


    def settled(self) -> bool:
        readings = [self.rss_full, *self.rss_turnovers]
        least, most = TURNOVERS
        if len(self.rss_turnovers) < least:
            return False
        grew = [later - earlier >= SETTLED * earlier for earlier, later in zip(readings[-3:-1], readings[-2:])]
        return len(self.rss_turnovers) >= most or not any(grew)  # two turnovers in a row under 1%


def fill_and_turn_over(client: Client, make_body: functools.partial[bytes], max_events: int, pids: list[int]) -> Steady:
    """Fill the store to exactly `max_events`, then turn it over until RSS settles, reading it after each turnover."""
    per_store = max_events // BULK_EVENTS
    sent = send_bulk(client, make_body, FILL_COUNTERS, per_store)
    steady = Steady(tree_bytes(pids, "VmRSS"), [], 0)
    while not steady.settled():
        turn = len(steady.rss_turnovers) + 1
        sent += send_bulk(client, make_body, FILL_COUNTERS + turn * per_store, per_store)
        steady.rss_turnovers.append(tree_bytes(pids, "VmRSS"))
    steady.body_bytes = sent
    return steady


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


def soak(url: str, plan: SoakPlan, mode: str, client: Client, pids: list[int]) -> tuple[LoadResult, Samples]:
    """Bulk load from loadgen in a thread (its worker processes do the sending) while this thread samples."""
    results: list[LoadResult] = []
    load = threading.Thread(target=lambda: results.append(
        run_load(url, "/api/track", body_maker(mode), seconds=plan.seconds, processes=2, connections=4)))
    load.start()
    samples = sample_while(load, client, pids, plan)
    load.join()
    if not results:
        raise RuntimeError("the load generator reported nothing")
    return results[0], samples


def run_mode(plan: SoakPlan, mode: str) -> dict[str, float]:
    """One mode in a fresh simulator: fill, turn over, read the steady level, soak; its figures."""
    with serving(plan, mode) as (url, process), contextlib.closing(Client(url)) as client:
        client.health()
        pids = process_tree(process.pid)
        idle = tree_bytes(pids, "VmRSS")
        steady = fill_and_turn_over(client, body_maker(mode), plan.max_events, pids)
        bulk, samples = soak(url, plan, mode, client, pids)
        counts = client.health()
        peak = tree_bytes(pids, "VmHWM")
    print(f"{'rss after each turnover':26} " + ", ".join(f"{rss / MIB:.1f}" for rss in steady.rss_turnovers))
    journal_unfilled = max(0, plan.journal_max_bytes - steady.body_bytes)
    level = steady.rss_turnovers[-1]
    bound = level + journal_unfilled + IN_FLIGHT_SLACK_BYTES
    half, end = samples.rss[len(samples.rss) // 2], samples.rss[-1]
    filled = plan.max_events * (len(steady.rss_turnovers) + 1)
    sent = filled + bulk.statuses.get(200, 0) * BULK_EVENTS + samples.single_sent
    return {
        "seconds": plan.seconds,
        "max_events": plan.max_events,
        "max_users": plan.max_events if mode == "new_identities" else 1_000_000,
        "journal_max_mb": round(plan.journal_max_bytes / MIB, 1),
        "events_sent": sent,
        "bulk_requests_sent": bulk.statuses.get(200, 0),
        "single_requests_sent": samples.single_sent,
        "requests_not_200": sum(n for status, n in bulk.statuses.items() if status != 200) + samples.single_failed,
        "events_stored": counts["events"],
        "events_dropped": counts["events_dropped"],
        "events_unanswered_at_stop": counts["events"] + counts["events_dropped"] - sent,
        "users_stored": counts["users"],
        "users_dropped": counts["users_dropped"],
        "idle_rss_mb": round(idle / MIB, 1),
        "rss_store_full_mb": round(steady.rss_full / MIB, 1),
        "turnovers": len(steady.rss_turnovers),
        "rss_before_last_mb": round(([steady.rss_full, *steady.rss_turnovers][-2]) / MIB, 1),
        "steady_level_mb": round(level / MIB, 1),
        "journal_unfilled_mb": round(journal_unfilled / MIB, 1),
        "bound_mb": round(bound / MIB, 1),
        "peak_rss_mb": round(peak / MIB, 1),
        "rss_at_half_mb": round(half / MIB, 1),
        "rss_at_end_mb": round(end / MIB, 1),
        "rss_end_over_half": round(end / half, 3),
        "peak_over_bound": round(peak / bound, 3),
    }


# What the figures must be whatever the machine's speed; `python -m bench` fails naming any that does not hold.
CHECKS = [
    Check("every request answered 200", lambda f: all(value == 0 for value in ending(f, "requests_not_200"))),
    Check("peak RSS within the bound", lambda f: all(value <= 1.0 for value in ending(f, "peak_over_bound"))),
    Check(
        "the stores stay within their caps",
        lambda f: all(f[f"{mode}.events_stored"] <= f[f"{mode}.max_events"] for mode in ("identity_pool", "new_identities")),
    ),
]


def run(quick: bool) -> dict[str, float]:
    plan = QUICK if quick else FULL
    figures: dict[str, float] = {}
    for mode in MODES:
        print(f"-- {mode}")
        mode_figures = run_mode(plan, mode)
        for name, value in mode_figures.items():
            print(f"{name:26} {value}")
        within = mode_figures["peak_over_bound"] <= 1.0
        print(f"{'peak RSS within bound':26} {'pass' if within else 'FAIL'}", flush=True)
        figures.update({f"{mode}.{name}": value for name, value in mode_figures.items()})
    return figures


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
