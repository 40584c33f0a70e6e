"""A forwarder as an external program, the way another team's would be run by --forwarder-cmd.

It reads one batch on stdin and the settings from HEAP_* variables, maps with our map_batch, and
delivers with urllib, sleeping for real. Because the simulator's clock runs HEAP_TIME_SCALE times
faster, it divides its own pacing windows by that factor; Retry-After already comes in real
seconds. Flags add one bug each: --ignore-retry-after, --no-pacing. Exit 0 once all is delivered.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections import defaultdict, deque
from typing import Any

from forwarder import Settings, map_batch
from heap_facts.limits import DOCUMENTED_LIMITS

# Heap's documented limits: (units, window in simulated seconds).
LIMITS = {name: (spec.limit, spec.window_s) for name, spec in DOCUMENTED_LIMITS.items()}
MARGIN = 1.05  # real clocks jitter; a window 5% longer never crosses the limit


def settings_from_environment() -> Settings:
    return Settings(
        os.environ["HEAP_APP_ID"],
        os.environ["HEAP_EXTERNAL_ID"],  # type: ignore[arg-type]
        os.environ["HEAP_FORWARD_USER_ATTRIBUTES"] == "true",
        os.environ["HEAP_FORWARD_WEB_SERVER_SIDE"] == "true",
    )


class Pacer:
    """Sliding windows in real time, each `window / scale` seconds long."""

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.sent: dict[tuple[str, str], deque[tuple[float, int]]] = defaultdict(deque)

    def wait_for(self, demands: list[tuple[str, str, int]]) -> None:
        for name, key, cost in demands:
            limit, window = LIMITS[name]
            real_window = window / self.scale * MARGIN
            log = self.sent[(name, key)]
            while sum(c for _, c in log) + cost > limit:
                wait = log[0][0] + real_window - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                while log and log[0][0] + real_window <= time.monotonic():
                    log.popleft()

    def record(self, demands: list[tuple[str, str, int]]) -> None:
        for name, key, cost in demands:
            self.sent[(name, key)].append((time.monotonic(), cost))


def demands(path: str, body: dict[str, Any]) -> list[tuple[str, str, int]]:
    if path == "/api/add_user_properties":
        return [("user_properties", str(body["identity"]), 1)]
    if "events" not in body:
        return [("track", str(body["identity"]), 1)]
    per_identity: dict[str, int] = defaultdict(int)
    for event in body["events"]:
        per_identity[str(event["identity"])] += 1
    return [("bulk_identity", identity, count) for identity, count in per_identity.items()] + [("bulk_app", "app", len(body["events"]))]


def post(url: str, body: dict[str, Any]) -> tuple[int, str | None]:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, None
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Retry-After")
    except (urllib.error.URLError, ConnectionError):
        return 0, None


def deliver(url: str, body: dict[str, Any], ignore_retry_after: bool) -> bool:
    for _ in range(10):
        status, retry_after = post(url, body)
        if 200 <= status < 300:
            return True
        if status == 429:
            time.sleep(0 if ignore_retry_after else float(retry_after or 1))
        elif status == 0 or status >= 500:
            time.sleep(0.05)
        else:
            return False
    return False


def main() -> int:
    flags = set(sys.argv[1:])
    batch = json.load(sys.stdin)
    pacer = Pacer(float(os.environ.get("HEAP_TIME_SCALE", "1")))
    ok = True
    for request in map_batch(batch, settings_from_environment()).requests:
        needs = demands(request.path, request.body)
        if "--no-pacing" not in flags:
            pacer.wait_for(needs)
        ok = deliver(os.environ["HEAP_URL"] + request.path, request.body, "--ignore-retry-after" in flags) and ok
        pacer.record(needs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
