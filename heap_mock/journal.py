"""One record per request, kept in the journal and rendered as JSON only when someone reads it.

Building the JSON form lazily keeps the hot path cheap: a stored request costs one slotted
object, not a dict and a formatted timestamp.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

import orjson

from heap_mock.clock import to_iso
from heap_mock.errors import HeapMockError, PayloadRejected, Throttled
from heap_mock.faults import FaultRule
from heap_mock.one_line import one_line

PREVIEW_BYTES = 1024 * 1024  # a larger body is journaled as the first MiB of its text


class Exchange:
    """A request and how it was answered."""

    __slots__ = (
        "duration_ms",
        "error",
        "fault",
        "ignored_by",
        "method",
        "path",
        "raw",
        "received_at",
        "request_id",
        "started",
        "status",
        "stored",
    )

    def __init__(self, request_id: str, method: str, path: str, received_at: float) -> None:
        self.request_id, self.method, self.path, self.received_at = request_id, method, path, received_at
        self.started = time.perf_counter()
        self.status = 0
        self.duration_ms = 0.0
        # The body as received. Kept as bytes and parsed only when read: far smaller than the
        # parsed objects, which is what keeps 100,000 stored events under 2 KiB each.
        self.raw: bytes | None = None  # None until read
        self.error: HeapMockError | None = None
        self.fault: FaultRule | None = None
        self.stored: int | None = None
        self.ignored_by: str | None = None

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

    @property
    def body(self) -> Any:
        """The body as JSON if it was JSON, else its text (cut to a MiB), or None if empty."""
        if not self.raw:
            return None
        if len(self.raw) <= PREVIEW_BYTES:
            try:
                return orjson.loads(self.raw)
            except orjson.JSONDecodeError:
                pass
        return self.raw[:PREVIEW_BYTES].decode("utf-8", errors="replace")

    def finish(self, status: int) -> None:
        # A dropped connection sent no status at all; the journal says 0 so it cannot pass for a 200.
        self.status = 0 if self.fault is not None and self.fault.drop_connection else status
        self.duration_ms = (time.perf_counter() - self.started) * 1000

    def freeze(self) -> tuple[Any, ...]:
        """The record as a tuple, the form the journal keeps. A tuple of plain values is one the
        garbage collector stops tracking, so a full journal adds no work to its full collections,
        which had been pausing the simulator for tens of milliseconds."""
        return (
            self.request_id, self.method, self.path, self.received_at, self.started, self.status,
            self.duration_ms, self.raw, self.error, self.fault, self.stored, self.ignored_by,
        )  # fmt: skip

    @staticmethod
    def frozen_body_bytes(frozen: tuple[Any, ...]) -> int:
        """The size of the body a freeze() tuple holds (its `raw`, eighth), for the journal's byte cap."""
        raw: bytes | None = frozen[7]
        return len(raw) if raw else 0

    @classmethod
    def thaw(cls, frozen: tuple[Any, ...]) -> Exchange:
        exchange = cls.__new__(cls)
        (
            exchange.request_id, exchange.method, exchange.path, exchange.received_at, exchange.started, exchange.status,
            exchange.duration_ms, exchange.raw, exchange.error, exchange.fault, exchange.stored, exchange.ignored_by,
        ) = frozen  # fmt: skip
        return exchange

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "id": self.request_id,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "received_at": to_iso(self.received_at),
            "duration_ms": round(self.duration_ms, 3),
            "body": self.body,
            "rule_id": self.rule_id,
            "message": self.message,
        }
        if isinstance(self.error, PayloadRejected):
            entry["violations"] = [{"rule_id": v.rule_id, "path": v.path, "message": v.message} for v in self.error.violations]
        if isinstance(self.error, Throttled):
            entry["limit"], entry["retry_after"] = self.error.limit_text, self.error.retry_after
        if self.fault is not None:
            entry["fault_id"] = self.fault.id
            if self.fault.answers and self.fault.retry_after is not None:
                entry["retry_after"] = self.fault.retry_after
        if self.stored is not None:
            entry["stored_events"] = self.stored
        return entry


class RequestLog:
    """One line per request on a stream (stderr by default): time, method, path, status, duration, id, rule.

    Written directly rather than through `logging`, which cost a sixth of the request time.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._second = -1
        self._stamp = ""

    def write(self, exchange: Exchange) -> None:
        now = int(time.time())
        if now != self._second:
            self._second, self._stamp = now, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
        rule = exchange.error.rule_id if exchange.error is not None else ""
        line = f"{self._stamp} {exchange.method} {exchange.path} {exchange.status} {exchange.duration_ms:.1f}ms {exchange.request_id} {rule}"
        (self._stream or sys.stderr).write(one_line(line.rstrip()) + "\n")  # a %0A in the path forges no line
