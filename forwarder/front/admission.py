"""What an upload would cost the front, judged before the work is done, so that memory stays bounded
whatever is sent. Pure, apart from ReadBudget's lock.

An upload can cost far more than its bytes. Read by orjson, each JSON value becomes a Python object:
3 bytes of `{},` cost about 80 bytes, so 8 MB of them took 235 MB. Mapped, a commerce event becomes
one Heap event per product (about 0.5 to 0.8 KB each, waiting), so `"products": [{}, {}, ...]` is
worth a thousand times its size. Three judgements, in the order an upload meets them:

1. `upload_cost(body)`, from the raw bytes before they are read (a count of commas and brackets,
   at memchr speed): an upper bound on what reading and mapping it takes. The front reads uploads
   within one `ReadBudget`: one that could never fit is refused (413), one that does not fit beside
   those being read now is answered 429 with Retry-After.
2. `check_heap_events(batches)`, on the parsed batches before any is mapped: the Heap events they
   would become, from `heap_events_bound`; over `max_upload_events`, refused (413) naming the event.
3. The delivery queue's caps (forwarder.front.delivery), once mapped: Heap events and estimated
   memory waiting for delivery in all (429 with Retry-After).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from forwarder.front.errors import QueueFull, UploadTooLarge
from forwarder.mapping import heap_events_bound

# Upper bounds measured on CPython 3.11 with orjson 3.13 (resident memory grown by reading 4 MB of
# each shape: empty objects 46 bytes a value, one-letter strings 92, object members 98, floats 60,
# 17-digit integers 73, a realistic batch 74, 1000-character strings 2 bytes a character): what one
# JSON value costs once read, besides its text; and what one mapped Heap event holds while it waits
# (0.5 to 0.8 KB measured).
VALUE_COST = 100
EVENT_COST = 1000
DEFAULT_MAX_UPLOAD_EVENTS = 10_000
DEFAULT_READ_BUDGET = 64 * 1024 * 1024
BUSY_RETRY_AFTER_S = 1


def json_values(body: bytes) -> int:
    """An upper bound on the JSON values and object members in `body`: each but the first follows a
    comma or a colon, or opens a container (the counts include those inside strings: more, never less)."""
    return body.count(b",") + body.count(b":") + body.count(b"{") + body.count(b"[") + 1


def read_cost(body: bytes) -> int:
    """An upper bound, in bytes, on the memory `body` takes once read: its values, and its text twice
    over (the body itself, and the strings read from it)."""
    return VALUE_COST * json_values(body) + 2 * len(body)


def upload_cost(body: bytes, max_upload_events: int) -> int:
    """An upper bound on what reading and mapping `body` takes: every Heap event is an object in the body."""
    return read_cost(body) + EVENT_COST * min(body.count(b"{"), max_upload_events)


def waiting_cost(body: bytes, heap_events: int) -> int:
    """An upper bound on what an upload holds while it waits for delivery: what was read of it
    (property values are kept as read) and its mapped Heap events."""
    return read_cost(body) + EVENT_COST * heap_events


def check_heap_events(batches: Sequence[Mapping[str, Any]], limit: int, *, bulk: bool) -> int:
    """The Heap events `batches` would become at most; UploadTooLarge naming the largest event when over `limit`."""
    counts = [[heap_events_bound(event) for event in batch.get("events") or []] for batch in batches]
    total = sum(sum(batch) for batch in counts)
    if total <= limit:
        return total
    where, most = _largest(counts, bulk)
    raise UploadTooLarge(
        f"this upload would become up to {total} Heap events (a commerce event becomes one per product and "
        f"promotion, plus one), over the limit of {limit} per upload (--max-upload-events); the event at `path` "
        f"alone would become {most}. Send it in smaller uploads",
        path=where,
    )


def _largest(counts: list[list[int]], bulk: bool) -> tuple[str, int]:
    most, where = -1, "$"
    for b, batch in enumerate(counts):
        for e, count in enumerate(batch):
            if count > most:
                most, where = count, (f"$[{b}]" if bulk else "$") + f".events[{e}]"
    return where, most


class ReadBudget:
    """The memory the front sets aside for uploads being read and mapped at once."""

    def __init__(self, total: int = DEFAULT_READ_BUDGET) -> None:
        self.total = total
        self._used = 0
        self._lock = threading.Lock()

    @contextmanager
    def reserve(self, cost: int, values: int) -> Iterator[None]:
        """Hold `cost` bytes while the block reads and maps an upload of `values` JSON values."""
        with self._lock:
            if cost > self.total:
                raise UploadTooLarge(
                    f"reading this upload would take up to {cost >> 20} MiB ({values} JSON values, each up to {VALUE_COST} "
                    f"bytes once read), over the {self.total >> 20} MiB the front reads uploads in; send it in smaller uploads",
                    path="$",
                )
            if self._used and self._used + cost > self.total:
                raise QueueFull("the front is busy reading other uploads; send again after Retry-After", BUSY_RETRY_AFTER_S)
            self._used += cost
        try:
            yield
        finally:
            with self._lock:
                self._used -= cost

    def used(self) -> int:
        with self._lock:
            return self._used
