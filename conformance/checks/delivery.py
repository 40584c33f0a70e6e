"""Delivery: the documented rate limits, Retry-After, no loss, no duplicates, no retried 400.

Judged from the simulator's journal in simulated time. The simulator enforces the documented
limits, so a request it refused with a `limit.*` 429 is one the forwarder should not have sent
yet: a forwarder that paces itself never sees one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from conformance.checks.carried import accepted_user_updates
from conformance.checks.mapping import describe
from conformance.checks.values import find_key
from conformance.context import Context, sent_ms
from conformance.oracle import heap_values
from conformance.received import JournalEntry
from conformance.results import Verdict
from heap_facts.paths import ADD_USER_PROPERTIES, TRACK

TOLERANCE_S = 0.002  # the journal's arrival times are rounded to the millisecond

Signature = tuple[str, ...]


def _limit_check(limit_rule: str, counts: Callable[[JournalEntry], bool]) -> Callable[[Context, Verdict], None]:
    def check(ctx: Context, v: Verdict) -> None:
        for entry in ctx.heap.journal:
            if entry.rule_id == limit_rule:
                v.fail(entry.id, "no request beyond the documented limit", f"429 from the simulator: {entry.message}", _before(ctx, entry))
            elif counts(entry) and entry.status == 200:
                v.ok()

    check.__doc__ = f"Fails on every request the simulator refused with {limit_rule}."
    return check


def _before(ctx: Context, entry: JournalEntry) -> list[str]:
    """The requests just before a refused one, to show the burst that crossed the limit."""
    index = ctx.heap.journal.index(entry)
    return [other.summary() + f" at {other.received_at - entry.received_at:+.3f} s" for other in ctx.heap.journal[max(0, index - 3) : index]]


def _single_track(entry: JournalEntry) -> bool:
    return entry.path == TRACK and not entry.is_bulk


def _bulk_track(entry: JournalEntry) -> bool:
    return entry.path == TRACK and entry.is_bulk


check_limit_track = _limit_check("limit.track", _single_track)
check_limit_user_properties = _limit_check("limit.user_properties", lambda entry: entry.path == ADD_USER_PROPERTIES)
check_limit_bulk_identity = _limit_check("limit.bulk_identity", _bulk_track)
check_limit_bulk_app = _limit_check("limit.bulk_app", _bulk_track)


def signatures(entry: JournalEntry) -> set[Signature]:
    """What a request carried, comparable across retries however the forwarder re-batches."""
    if entry.path == TRACK:
        return {(str(e.get("event")), str(sent_ms(e.get("timestamp"))), str(e.get("identity"))) for e in entry.events}
    body = entry.body if isinstance(entry.body, dict) else {}
    return {(entry.path, str(body.get("identity")), str(sorted((body.get("properties") or {}).items())))}


def resends(ctx: Context, entry: JournalEntry) -> list[JournalEntry]:
    """Later requests that carried any of what `entry` carried."""
    carried = signatures(entry)
    journal = ctx.heap.journal
    return [later for later in journal[journal.index(entry) + 1 :] if later.path == entry.path and carried & signatures(later)]


def check_retry_after(ctx: Context, v: Verdict) -> None:
    for entry in ctx.heap.journal:
        wait = ctx.heap.retry_after_clock_s(entry) if entry.status == 429 else None
        again = resends(ctx, entry) if wait is not None else []
        if wait is None or not again:
            continue
        gap = again[0].received_at - entry.received_at
        v.expect(
            gap >= wait - TOLERANCE_S,
            f"{entry.id} answered 429 ({entry.rule_id})",
            f"the same events again no sooner than {_asked(ctx, entry, wait)}",
            f"sent again {gap:.3f} s later",
            [again[0].summary()],
        )


def _asked(ctx: Context, entry: JournalEntry, wait: float) -> str:
    """The wait a 429 asked for, in simulated seconds, and the header it came as."""
    header = entry.retry_after
    clock = f" real s on a {ctx.heap.clock_rate:g}x clock" if ctx.heap.clock_rate > 1 else ""
    return f"{wait:g} s later (Retry-After: {header}{clock})"


def check_deliver_all(ctx: Context, v: Verdict) -> None:
    for source in ctx.sources():
        got = ctx.received(source)
        v.expect(
            len(got) >= source.expected_count,
            source.subject,
            f"{source.expected_text} Heap event(s) stored in the end",
            describe(got),
            [entry.summary() + (f" ({entry.message.splitlines()[0][:100]})" if entry.message else "") for entry in ctx.requests_carrying(source)][-3:],
        )
    if ctx.fixture.settings.forward_user_attributes:
        for batch in ctx.batches:
            if batch.skip_reason is None and batch.user_attributes:
                updates = accepted_user_updates(ctx, batch.identity)
                v.expect(
                    any(all(find_key(update, name) is not None for name in batch.user_attributes) for update in updates),
                    batch.about("user attributes"),
                    "accepted by Heap in the end",
                    f"{len(updates)} accepted update(s) for identity {batch.identity!r}, none with all of {sorted(batch.user_attributes)[:4]}",
                )


def check_exactly_once(ctx: Context, v: Verdict) -> None:
    for source in ctx.sources():
        got = ctx.received(source)
        if got:
            v.expect(len(got) <= source.expected_range[1], source.subject, f"at most {source.expected_range[1]} Heap event(s)", describe(got), _duplicates(got))
    counts = Counter(_content(event.name, event.timestamp, event.identity, event.properties) for event in ctx.heap.events)
    for content, count in counts.items():
        if count > 1:
            v.fail(f"event {content[0][:60]!r} at {content[1]}", "stored once", f"stored {count} times")


def _content(name: str, timestamp: str, identity: str | None, properties: dict[str, Any]) -> tuple[str, ...]:
    return (name, timestamp, str(identity), repr(sorted(heap_values(properties).items())))


def _duplicates(got: tuple[Any, ...]) -> list[str]:
    counts = Counter(_content(e.name, e.timestamp, e.identity, e.properties) for e in got)
    return [f"{e.summary()} (key {e.idempotency_key!r})" for e in got if counts[_content(e.name, e.timestamp, e.identity, e.properties)] > 1][:3]


def check_no_retry_400(ctx: Context, v: Verdict) -> None:
    for entry in ctx.heap.journal:
        if entry.status != 400:
            continue
        again = resends(ctx, entry)
        v.expect(not again, f"{entry.id} answered 400", "not sent again", f"sent again {len(again)} time(s)", [later.summary() for later in again[:3]])
