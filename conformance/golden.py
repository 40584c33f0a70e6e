"""Golden files: the Heap requests our own forwarder makes for each fixture, as the simulator got them.

A golden file is a regression net for our forwarder only (another team's forwarder is judged by
the rules, never by our bytes). Volatile values are masked: idempotency keys become `<key:N>`
numbered by first appearance, so a retry visibly reuses its key while the hashing scheme may
change. Bulk bodies of many events keep their first and last events and a digest of the rest, so
a 16,000-event burst stays a readable file.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import shlex
from pathlib import Path
from typing import Any

from conformance.fixtures import FIXTURES_DIR
from conformance.received import HeapReceived
from conformance.results import GoldenComparison

GOLDEN_DIR = FIXTURES_DIR / "golden"
FULL_BODY_EVENTS = 20  # bulk bodies up to this many events are kept whole
MAX_DIFF_LINES = 80


def golden_path(fixture_id: str, directory: Path = GOLDEN_DIR) -> Path:
    return directory / f"{fixture_id}.json"


def golden_document(heap: HeapReceived) -> list[dict[str, Any]]:
    """The journal as a golden document: path, status, refusing rule and the masked body of each request."""
    keys: dict[str, str] = {}
    return [_request(entry.path, entry.status, entry.rule_id, entry.body, keys) for entry in heap.journal]


def _request(path: str, status: int, rule_id: str | None, body: Any, keys: dict[str, str]) -> dict[str, Any]:
    request: dict[str, Any] = {"path": path, "status": status}
    if rule_id:
        request["rule_id"] = rule_id
    request["body"] = _compact(_mask(body, keys))
    return request


def _mask(value: Any, keys: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {key: (_key_label(item, keys) if key == "idempotency_key" else _mask(item, keys)) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask(item, keys) for item in value]
    return value


def _key_label(key: Any, keys: dict[str, str]) -> str:
    return keys.setdefault(str(key), f"<key:{len(keys) + 1}>")


def _compact(body: Any) -> Any:
    if not isinstance(body, dict) or not isinstance(body.get("events"), list) or len(body["events"]) <= FULL_BODY_EVENTS:
        return body
    events = body["events"]
    digest = hashlib.sha256(json.dumps(events, sort_keys=True).encode()).hexdigest()
    rest = {key: value for key, value in body.items() if key != "events"}
    return {**rest, "events_count": len(events), "events_head": events[:3], "events_tail": events[-2:], "events_sha256": digest}


def render(document: list[dict[str, Any]]) -> str:
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def update_command(folder: Path, *, bundled: bool) -> str:
    """The command that writes the golden files of a fixture folder: the bundled ones, or `--fixtures DIR`'s."""
    return "heap-conformance --update-golden" + ("" if bundled else f" --fixtures {shlex.quote(str(folder))}")


def compare_golden(
    fixture_id: str, heap: HeapReceived, *, update: bool = False, directory: Path = GOLDEN_DIR, command: str | None = None
) -> GoldenComparison:
    """Compare (or with `update`, write) one fixture's golden file. A missing file is told apart
    from a different one, and both say the command that writes it (`command`, see update_command)."""
    path = golden_path(fixture_id, directory)
    command = command or update_command(directory.parent, bundled=directory == GOLDEN_DIR)
    actual = render(golden_document(heap))
    if update:
        changed = not path.exists() or path.read_text() != actual
        if changed:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual)
        return GoldenComparison(fixture_id, True, updated=changed, path=path, update_command=command)
    if not path.exists():
        return GoldenComparison(fixture_id, False, path=path, missing=True, update_command=command)
    expected = path.read_text()
    if expected == actual:
        return GoldenComparison(fixture_id, True, path=path, update_command=command)
    return GoldenComparison(fixture_id, False, readable_diff(expected, actual, path.name), path=path, update_command=command)


def readable_diff(expected: str, actual: str, name: str) -> str:
    lines = list(difflib.unified_diff(expected.splitlines(), actual.splitlines(), f"golden/{name}", "received", lineterm="", n=2))
    if len(lines) > MAX_DIFF_LINES:
        lines = [*lines[:MAX_DIFF_LINES], f"... {len(lines) - MAX_DIFF_LINES} more diff lines"]
    return "\n".join(lines)
