"""`heap-mock serve --demo`: replay the bundled mParticle batches through the forwarder.

A newcomer runs one command and sees a populated console within seconds: web, iOS and Android
sessions with custom events, screen views, commerce events with products, promotions and
impressions, and user attributes. The batches are mapped by the project's own forwarder
(`forwarder.map_batch`) and posted to the simulator as they are.

The demo runs beside a server that must keep serving, so it never raises: whatever goes wrong
(the forwarder missing, the simulator unreachable) is printed as one line.
"""

from __future__ import annotations

import importlib
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import orjson
import requests

DATA_DIR = Path(__file__).resolve().parent / "demo_data"
DEMO_APP_ID = "3958016722"
TIMEOUT_S = 10.0


class DemoError(Exception):
    """Why the demo could not replay, in one line for the person who asked for it."""


@dataclass
class ReplaySummary:
    """What the replay sent and how the simulator answered each request."""

    batches: int = 0
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)

    def line(self, url: str) -> str:
        answers = ", ".join(f"{count}× {status}" for status, count in sorted(self.statuses.items())) or "none"
        return (
            f"heap-mock demo: replayed {self.batches} mParticle batches through the forwarder as "
            f"{self.requests} Heap requests (answers: {answers}); open {url.rstrip('/')}/ to see them"
        )


Mapper = Callable[[dict[str, Any]], Any]


def replay_fixtures(url: str, *, out: TextIO | None = None, session: requests.Session | None = None) -> ReplaySummary | None:
    """Replay every bundled batch into the simulator at `url`; print one line saying how it went."""
    stream = out or sys.stderr
    try:
        summary = replay(url, load_batches(), forwarder_mapper(), session or requests.Session())
    except DemoError as error:
        print(f"heap-mock demo: {error}", file=stream, flush=True)
        return None
    except Exception as error:
        print(f"heap-mock demo: failed ({type(error).__name__}: {error}); nothing more was replayed", file=stream, flush=True)
        return None
    print(summary.line(url), file=stream, flush=True)
    return summary


def load_batches(directory: Path = DATA_DIR) -> list[dict[str, Any]]:
    """The bundled batches, in file-name order so every run replays the same story."""
    batches = [orjson.loads(path.read_bytes()) for path in sorted(directory.glob("*.json"))]
    if not batches:
        raise DemoError(f"no demo batches in {directory}")
    return batches


def forwarder_mapper() -> Mapper:
    """`forwarder.map_batch` bound to the demo's settings, or a DemoError saying what is missing."""
    try:
        forwarder = importlib.import_module("forwarder")
    except ImportError as error:
        raise DemoError(f"the forwarder package cannot be imported ({error}); nothing replayed") from None
    map_batch, settings_class = getattr(forwarder, "map_batch", None), getattr(forwarder, "Settings", None)
    if map_batch is None or settings_class is None:
        raise DemoError("the forwarder is not available yet (forwarder.map_batch or forwarder.Settings is missing); nothing replayed")
    try:
        # customer_id identities ("cust-20417") read better in the console than 19-digit MPIDs.
        settings = settings_class(app_id=DEMO_APP_ID, external_id="customer_id", forward_user_attributes=True)
    except (TypeError, ValueError) as error:
        raise DemoError(f"forwarder.Settings refused the demo settings ({error}); nothing replayed") from None
    return lambda batch: map_batch(batch, settings)


def replay(url: str, batches: Iterable[dict[str, Any]], mapper: Mapper, session: requests.Session) -> ReplaySummary:
    summary = ReplaySummary()
    for batch in batches:
        for path, body in heap_requests(mapper(batch)):
            summary.statuses[post(session, url, path, body)] += 1
            summary.requests += 1
        summary.batches += 1
    return summary


def post(session: requests.Session, url: str, path: str, body: Any) -> int:
    try:
        return session.post(f"{url.rstrip('/')}{path}", json=body, timeout=TIMEOUT_S).status_code
    except requests.RequestException as error:
        raise DemoError(f"cannot reach the simulator at {url} ({type(error).__name__}); stopped replaying") from None


def heap_requests(mapped: Any) -> list[tuple[str, Any]]:
    """The (path, body) pairs of a mapping result.

    The forwarder's issue describes the result as "the ordered Heap requests ... and the events it
    skipped": accept a result object with `.requests`, a `(requests, skipped)` pair, or a plain
    sequence of requests, each with `.path` and `.body` (or such keys).
    """
    if hasattr(mapped, "requests"):
        mapped = mapped.requests
    elif isinstance(mapped, tuple) and len(mapped) == 2 and isinstance(mapped[0], (list, tuple)):
        mapped = mapped[0]
    return [request_parts(item) for item in mapped]


def request_parts(item: Any) -> tuple[str, Any]:
    if isinstance(item, dict):
        return str(item["path"]), item["body"]
    return str(item.path), item.body
