"""What an upload would cost the front, judged before the work is done, so that memory stays bounded
whatever is sent. Pure, apart from ReadBudget's lock.

An upload can cost far more than its bytes. Read by orjson, each JSON value becomes a Python object:
3 bytes of `{},` cost about 80 bytes, so 8 MB of them took 235 MB. Mapped, a commerce event becomes
one Heap event per product (about 0.5 to 0.8 KB each, waiting), so `"products": [{}, {}, ...]` is
worth a thousand times its size. Three judgements, in the order an upload meets them:

1. The front reads uploads within one `ReadBudget`. Before a body is read, its length is held (429
   with Retry-After when others hold too much: it is never read); once read, `upload_cost(body)`,
   from the raw bytes (a count of commas, colons and brackets, at memchr speed), an upper bound on
   what reading and mapping it takes, before it is parsed: one that could never fit is refused
   (413), one that does not fit beside those being read now is answered 429.
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
# What the text itself costs: the body, the strings read from it, and two writes of the whole batch
# (the mapping's check that Heap's JSON can carry it, and the digest of its content its keys come from).
TEXT_COPIES = 4
DEFAULT_MAX_UPLOAD_EVENTS = 10_000
DEFAULT_READ_BUDGET = 64 * 1024 * 1024
BUSY_RETRY_AFTER_S = 1


def json_values(body: bytes) -> int:
    """An upper bound on the JSON values and object members in `body`: each but the first follows a
    comma or a colon, or opens a container (the counts include those inside strings: more, never less)."""
    return body.count(b",") + body.count(b":") + body.count(b"{") + body.count(b"[") + 1


def read_cost(body: bytes) -> int:
    """An upper bound, in bytes, on the memory `body` takes once read: its values, and its text as
    many times as it is held at once."""
    return VALUE_COST * json_values(body) + TEXT_COPIES * len(body)


def upload_cost(body: bytes, max_upload_events: int) -> int:
    """An upper bound on what reading and mapping `body` takes: every Heap event is an object in the body."""
    return read_cost(body) + EVENT_COST * min(body.count(b"{"), max_upload_events)


def waiting_cost(body: bytes, heap_events: int) -> int:
    """An upper bound on what an upload holds while it waits for delivery: what was read of it
    (attribute names and values are kept as read, their text once) and its mapped Heap events."""
    return VALUE_COST * json_values(body) + len(body) + EVENT_COST * heap_events


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
    """The memory the front sets aside for uploads being read and mapped at once. An upload holds a
    `Reservation` from before its body is read (the body's own bytes: a body that cannot be held is
    never read) until it is queued, grown to its `upload_cost` once the body's bytes are counted."""

    def __init__(self, total: int = DEFAULT_READ_BUDGET) -> None:
        self.total = total
        self._used = 0
        self._lock = threading.Lock()

    @contextmanager
    def reserve(self) -> Iterator[Reservation]:
        """A reservation of nothing yet, released whole when the block ends."""
        reservation = self.open()
        try:
            yield reservation
        finally:
            reservation.release()

    def open(self) -> Reservation:
        """A reservation of nothing yet, for a holder that releases it itself (the front's site, once
        the upload is answered)."""
        return Reservation(self)

    def used(self) -> int:
        with self._lock:
            return self._used

    def _grow(self, more: int, values: int | None) -> None:
        with self._lock:
            if self._used + more <= self.total:
                self._used += more
                return
        if values is not None and more > self.total:
            raise UploadTooLarge(
                f"reading this upload would take up to {more >> 20} MiB ({values} JSON values, each up to {VALUE_COST} "
                f"bytes once read), over the {self.total >> 20} MiB the front reads uploads in; send it in smaller uploads",
                path="$",
            )
        raise QueueFull("the front is busy reading other uploads; send again after Retry-After", BUSY_RETRY_AFTER_S)

    def _change(self, amount: int) -> None:
        with self._lock:
            self._used += amount


class Reservation:
    """What one upload holds of the ReadBudget."""

    def __init__(self, budget: ReadBudget) -> None:
        self.budget = budget
        self.held = 0

    def grow_to(self, cost: int, *, values: int | None = None) -> None:
        """Hold `cost` bytes in all. UploadTooLarge when the budget could never hold an upload of
        `values` JSON values costing that; QueueFull (429) while others hold too much of it."""
        if cost > self.held:
            self.budget._grow(cost - self.held, values)
            self.held = cost

    def release(self) -> None:
        """Give back all that is held (once: a second call gives back nothing)."""
        held, self.held = self.held, 0
        self.budget._change(-held)
