"""What every event carries to Heap: its timestamp, session and identity, and the batch's user attributes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.checks.mapping import describe
from conformance.checks.values import property_mismatches
from conformance.context import Context, bears_name, documented_name
from conformance.oracle import SourceBatch
from conformance.received import ReceivedEvent, iso_ms
from conformance.results import Verdict
from heap_facts.paths import ADD_USER_PROPERTIES


def check_timestamp(ctx: Context, v: Verdict) -> None:
    strays_by_name: dict[str, list[ReceivedEvent]] = {}
    for event in ctx.strays:
        strays_by_name.setdefault(event.name, []).append(event)
    for source in ctx.sources():
        if source.timestamp_ms is None:
            continue  # the fallback is a convention
        name = documented_name(source)
        misplaced = [event for stray, events in strays_by_name.items() if bears_name(stray, name) for event in events]
        if ctx.received(source) and not misplaced:
            v.ok()
        elif misplaced:
            v.fail(source.subject, f"timestamp {iso_ms(source.timestamp_ms)}", f"timestamp {misplaced[0].timestamp}", [e.summary() for e in misplaced[:3]])
        else:
            v.fail(source.subject, f"a Heap event with timestamp {iso_ms(source.timestamp_ms)}", "none", ctx.evidence(source, name))


def check_session_id(ctx: Context, v: Verdict) -> None:
    for source in ctx.sources():
        if source.session_id is None:
            continue
        got = ctx.received(source)
        wrong = [event for event in got if event.session_id != source.session_id]
        v.expect(
            bool(got) and not wrong,
            source.subject,
            f"session_id {source.session_id!r} on each of its Heap events (the track event's own session_id field)",
            _session_ids(wrong) if got else "no Heap event",
            [event.summary() for event in wrong[:3]] or ctx.evidence(source),
        )


def _session_ids(wrong: list[ReceivedEvent]) -> str:
    """The session_id fields received, and a session_id among the properties, which Heap keeps as a mere property."""
    text = f"session_id field {[event.session_id for event in wrong[:3]]!r}"
    in_properties = [event.properties["session_id"] for event in wrong[:3] if "session_id" in event.properties]
    return text + (f"; properties.session_id {in_properties!r} is a property, not the event's session_id" if in_properties else "")


def check_identity(ctx: Context, v: Verdict) -> None:
    known = {batch.identity for batch in ctx.batches if batch.skip_reason is None}
    for batch in ctx.batches:
        for source in batch.events:
            got = ctx.received(source)
            if batch.identity is None:
                v.expect(not got, source.subject, f"nothing sent: the batch has no {ctx.fixture.settings.external_id}", describe(got), [e.summary() for e in got[:3]])
            elif source.forwarded:
                wrong = [event for event in got if event.identity != batch.identity]
                v.expect(bool(got) and not wrong, source.subject, f"identity {batch.identity!r}", _identities(got), ctx.evidence(source))
    for event in ctx.strays:
        v.expect(event.identity in known, f"stored event {event.request_id}", f"an identity of a forwarded batch {sorted(map(str, known))[:3]}", repr(event.identity))


def _identities(got: tuple[ReceivedEvent, ...]) -> str:
    return f"identities {sorted({str(event.identity) for event in got})!r}" if got else "no Heap event"


def check_user_attributes(ctx: Context, v: Verdict) -> None:
    settings = ctx.fixture.settings
    if not settings.forward_user_attributes:
        sent = [entry for entry in ctx.heap.journal if entry.path == ADD_USER_PROPERTIES]
        with_attributes = [batch for batch in ctx.batches if batch.user_attributes and batch.skip_reason is None]
        if with_attributes:
            v.expect(not sent, "Forward User Attributes off", "no add_user_properties request", f"{len(sent)} request(s)", [e.summary() for e in sent[:3]])
        return
    for batch in forwarded_batches_with_attributes(ctx):
        v.expect(
            any(not property_mismatches(properties, batch.user_attributes) for properties in accepted_user_updates(ctx, batch.identity)),
            batch.about(f"user attributes (identity {batch.identity!r})"),
            f"one accepted add_user_properties request with every user attribute {sorted(batch.user_attributes)[:5]}",
            _closest_update(ctx, batch),
            _user_requests(ctx, batch.identity),
        )


def accepted_user_updates(ctx: Context, identity: str | None) -> list[dict[str, Any]]:
    """The properties of every accepted add_user_properties update for `identity` (single or bulk `users[]`)."""
    updates = []
    for entry in ctx.heap.journal:
        if entry.path != ADD_USER_PROPERTIES or entry.status != 200 or not isinstance(entry.body, dict):
            continue
        bulk = entry.body.get("users")
        users: list[Any] = bulk if isinstance(bulk, list) else [entry.body]
        updates += [dict(user.get("properties") or {}) for user in users if isinstance(user, dict) and user.get("identity") == identity]
    return updates


def _closest_update(ctx: Context, batch: SourceBatch) -> str:
    problems = [property_mismatches(properties, batch.user_attributes) for properties in accepted_user_updates(ctx, batch.identity)]
    if not problems:
        return "no accepted add_user_properties request for this identity"
    return "closest accepted request: " + "; ".join(min(problems, key=len)[:5])


def forwarded_batches_with_attributes(ctx: Context) -> Iterator[SourceBatch]:
    for batch in ctx.batches:
        if batch.skip_reason is None and batch.user_attributes:
            yield batch


def _user_requests(ctx: Context, identity: str | None) -> list[str]:
    entries = [entry for entry in ctx.heap.journal if entry.path == ADD_USER_PROPERTIES]
    mine = [entry for entry in entries if isinstance(entry.body, dict) and entry.body.get("identity") == identity]
    return [entry.summary() for entry in (mine or entries)[:3]]


# --- truncation -------------------------------------------------------------------------------
