"""The request journal: every Heap request and how it was answered, for `GET /_mock/requests`.

An `Exchange` follows one request through the simulator's site (`heap_mock.site`); once answered it is frozen into a
journal entry of plain data (a tuple of strings, numbers and bytes: the rule ID and message, not
the exception object), which the garbage collector stops tracking and which renders whatever the
body held. The `Journal` keeps the entries in order with counts by status, rule, path and method
kept as entries arrive and leave, so the console's counts and pages cost what they show.

Lock discipline: the journal's own lock guards its entries; every public method takes it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any

import orjson

from heap_mock.clock import to_iso
from heap_mock.errors import PayloadRejected, Throttled
from heap_mock.fidelity import RequestWarning, freeze_warnings, thaw_warnings, warnings_json
from heap_mock.store.faults import FaultRule
from heap_mock.store.seq_index import IndexedLog
from http_layer.errors import HttpError

PREVIEW_BYTES = 1024 * 1024  # a larger body is journaled as the first MiB of its text


class Exchange:
    """A request and how it was answered."""

    __slots__ = (
        "duration_ms",
        "error",
        "fault",
        "ignored_by",
        "lineage",
        "method",
        "path",
        "raw",
        "received_at",
        "request_id",
        "started",
        "status",
        "stored",
        "warnings",
    )

    def __init__(self, request_id: str, method: str, path: str, received_at: float) -> None:
        self.request_id, self.method, self.path, self.received_at = request_id, method, path, received_at
        self.started = time.perf_counter()
        self.status = 0
        self.duration_ms = 0.0
        # The body as received. Kept as bytes and parsed only when read: far smaller than the
        # parsed objects, which is what keeps 100,000 stored events under 2 KiB each.
        self.raw: bytes | None = None  # None until read
        self.error: HttpError | None = None
        self.fault: FaultRule | None = None
        self.stored: int | None = None
        self.ignored_by: str | None = None
        self.lineage: str | None = None  # the sender's X-Heap-Sim-Lineage, opaque (heap_mock.store.lineage)
        self.warnings: tuple[RequestWarning, ...] = ()  # accepted anyway under `observed` fidelity

    @property
    def rule_id(self) -> str | None:
        if self.error is not None:
            return self.error.rule_id
        if self.ignored_by is not None:
            return self.ignored_by
        return "fault.injected" if self.fault is not None and self.fault.answers else None

    @property
    def message(self) -> str | None:
        if self.error is not None:
            return self.error.message
        if self.fault is None or not self.fault.answers:
            return None
        what = "connection dropped" if self.fault.drop_connection else f"answered {self.fault.status}"
        return f"injected fault #{self.fault.id}: {what}"

    def log_note(self) -> str:
        """What the access log says after the status: the rule that refused it, or the warnings it drew."""
        if self.warnings:
            return f"warnings: {','.join(sorted({warning.rule_id for warning in self.warnings}))}"
        return self.error.rule_id if self.error is not None else ""

    def finish(self, status: int) -> None:
        # A dropped connection sent no status at all; the journal says 0 so it cannot pass for a 200.
        self.status = 0 if self.fault is not None and self.fault.drop_connection else status
        self.duration_ms = (time.perf_counter() - self.started) * 1000

    def freeze(self) -> list[Any]:
        """The journal entry, plain values only (positions below) whatever was raised on the way;
        a list that `IndexedLog.append` freezes into a tuple."""
        if self.error is None and self.fault is None and self.ignored_by is None and not self.warnings:  # the common case, kept short
            return [self.request_id, self.method, self.path, self.received_at, self.status, self.duration_ms,
                    self.raw or None, None, None, self.stored, None, None, False, self.lineage, None]  # fmt: skip
        return [
            self.request_id, self.method, self.path, self.received_at, self.status, self.duration_ms,
            self.raw or None, self.rule_id, self.message, self.stored, self._details(),
            freeze_warnings(self.warnings), bool(self.warnings), self.lineage, self._violations(),
        ]  # fmt: skip

    def _details(self) -> bytes | None:
        """What only some entries have (the limit, the fault, how many violations and warnings), as
        small JSON text: a list page shows it for every entry, so it holds counts, not lists."""
        details: dict[str, Any] = {}
        if isinstance(self.error, PayloadRejected):
            details["violation_count"] = len(self.error.violations)
        if isinstance(self.error, Throttled):
            details["limit"], details["retry_after"] = self.error.limit_text, self.error.retry_after
        if self.fault is not None:
            details["fault_id"] = self.fault.id
            if self.fault.answers and self.fault.retry_after is not None:
                details["retry_after"] = self.fault.retry_after
        if self.warnings:
            details["warning_count"] = len(self.warnings)
            details["warned_rules"] = list(dict.fromkeys(warning.rule_id for warning in self.warnings))
        return orjson.dumps(details) if details else None

    def _violations(self) -> bytes | None:
        if not isinstance(self.error, PayloadRejected):
            return None
        return orjson.dumps([{"rule_id": v.rule_id, "path": v.path, "message": v.message} for v in self.error.violations])


# Positions in a journal entry (Exchange.freeze).
REQUEST_ID, METHOD, PATH, RECEIVED_AT, STATUS, DURATION_MS, RAW, RULE_ID, MESSAGE, STORED, DETAILS, WARNINGS, WARNED, LINEAGE, VIOLATIONS = range(15)
FILTERS = {"path": PATH, "method": METHOD, "rule_id": RULE_ID, "status": STATUS, "warned": WARNED, "lineage": LINEAGE}
# Counted: the console's counts and filters (few values each). A path, method or lineage filter walks the journal.
COUNTED = ("rule_id", "status", "warned")
# `fields` of GET /_mock/requests: a summary per entry (what a list row shows, no body), or each whole.
JOURNAL_FIELDS = ("summary", "full")
SUMMARY_MESSAGE_CHARS = 300  # a list shows the first line of each message, cut to this


def entry_summary(entry: tuple[Any, ...]) -> dict[str, Any]:
    """One entry as a list of `GET /_mock/requests` shows it: what a row needs, never the body.

    Rendering costs the same whatever the request carried (a bulk body of 1000 events, 1000
    violations): the body, the violations and the warnings load when a row opens (`entry_json`).
    """
    message = entry[MESSAGE]
    rendered: dict[str, Any] = {
        "id": entry[REQUEST_ID],
        "method": entry[METHOD],
        "path": entry[PATH],
        "status": entry[STATUS],
        "received_at": to_iso(entry[RECEIVED_AT]),
        "duration_ms": round(entry[DURATION_MS], 3),
        "rule_id": entry[RULE_ID],
        "message": message.partition("\n")[0][:SUMMARY_MESSAGE_CHARS] if message is not None else None,
        "body_bytes": len(entry[RAW] or b""),
        "warning_count": 0,
        "warned_rules": [],
    }
    if entry[DETAILS] is not None:
        rendered.update(orjson.loads(entry[DETAILS]))
    if entry[STORED] is not None:
        rendered["stored_events"] = entry[STORED]
    if entry[LINEAGE] is not None:
        rendered["lineage"] = entry[LINEAGE]
    return rendered


def entry_json(entry: tuple[Any, ...]) -> dict[str, Any]:
    """One entry whole: its summary with the body, the whole message, each warning and violation."""
    rendered = entry_summary(entry)
    rendered["message"] = entry[MESSAGE]
    rendered["body"] = body_json(entry[RAW])
    rendered["warnings"] = warnings_json(thaw_warnings(entry[WARNINGS]))
    if entry[VIOLATIONS] is not None:
        rendered["violations"] = orjson.loads(entry[VIOLATIONS])
    return rendered


def body_json(raw: bytes | None) -> Any:
    """The body as JSON if it was JSON the encoder can write back, else its text (cut to a MiB), or None.

    JSON nested deeper than the encoder's limit (254) is shown as text: a body that Heap's
    endpoints refused must not stop the journal from rendering (issue 11).
    """
    if not raw:
        return None
    if len(raw) <= PREVIEW_BYTES:
        try:
            parsed = orjson.loads(raw)
            orjson.dumps({"requests": [{"body": parsed}]})  # as deep as it sits in the page it is shown in
            return parsed
        except (orjson.JSONDecodeError, orjson.JSONEncodeError):
            pass
    return raw[:PREVIEW_BYTES].decode("utf-8", errors="replace")


class Journal:
    """The newest requests, at most `limit` of them and `max_bytes` of bodies, oldest dropped first.

    A count alone would let 10,000 bodies of 10 MiB each take 100 GB; the newest entry is always
    kept, whatever its size. `total` counts every request ever journaled.
    """

    def __init__(self, limit: int, max_bytes: int) -> None:
        self.limit, self.max_bytes = limit, max_bytes
        self.lock = threading.Lock()
        self._log = IndexedLog(FILTERS, indexed=(), counted=COUNTED)
        self.body_bytes = 0
        self.total = 0

    def clear(self) -> None:
        with self.lock:
            self._log.clear()
            self.body_bytes = self.total = 0

    def record(self, exchange: Exchange) -> None:
        entry = exchange.freeze()
        with self.lock:
            self._keep(entry)

    def restore(self, entries: Iterable[list[Any]]) -> None:
        """Journal entries read from a session file (already frozen), within the same bounds."""
        with self.lock:
            for entry in entries:
                self._keep(entry)

    def snapshot(self) -> list[tuple[Any, ...]]:
        """Every held entry (immutable tuples), oldest first, for an export."""
        with self.lock:
            return self._log.values()

    def _keep(self, entry: list[Any]) -> None:
        """Append one entry and drop the oldest past `limit` or `max_bytes` (lock held)."""
        log = self._log
        log.append(entry)
        self.body_bytes += len(entry[RAW] or b"")
        self.total += 1
        while log.live > 1 and (log.live > self.limit or self.body_bytes > self.max_bytes):
            self.body_bytes -= len(log.evict_oldest()[RAW] or b"")

    def page(
        self, filters: dict[str, Any], *, newest_first: bool, offset: int, limit: int | None, full: bool = False
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of the entries whose fields equal `filters`, rendered as summaries (`full`:
        whole, bodies and all), and how many match."""
        with self.lock:
            entries, total = self._log.page(filters, newest_first, offset, limit)
        render = entry_json if full else entry_summary
        return [render(entry) for entry in entries], total

    def entry(self, request_id: str) -> dict[str, Any] | None:
        """One entry whole, by its request ID, or None when the journal does not hold it (any more).

        Walks from the newest: the console opens recent rows, and the journal holds at most
        `journal_limit` entries, so even the oldest is found in a few milliseconds."""
        with self.lock:
            found = next((entry for entry in self._log.walk_newest() if entry[REQUEST_ID] == request_id), None)
        return entry_json(found) if found is not None else None

    def entries(self) -> list[tuple[Any, ...]]:
        """Every held entry, oldest first (for tests and tools; the API pages)."""
        with self.lock:
            return self._log.values()
