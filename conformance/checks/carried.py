"""What every event carries (timestamp, session, identity), user attributes, truncation and the
batch-level settings (platforms, web server side)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.checks.mapping import at, describe
from conformance.checks.values import find_key, property_mismatches, same_value
from conformance.context import Context, bears_name, documented_name
from conformance.observed import ReceivedEvent, iso_ms
from conformance.oracle import LONGEST_WHOLE, SourceBatch, SourceEvent
from heap_facts.lengths import ACCEPTED_CUTS
from heap_facts.platforms import is_web
from conformance.results import Subject, Verdict

USER_PROPERTIES_PATH = "/api/add_user_properties"


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
        sent = [entry for entry in ctx.observed.journal if entry.path == USER_PROPERTIES_PATH]
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
    for entry in ctx.observed.journal:
        if entry.path != USER_PROPERTIES_PATH or entry.status != 200 or not isinstance(entry.body, dict):
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
    entries = [entry for entry in ctx.observed.journal if entry.path == USER_PROPERTIES_PATH]
    mine = [entry for entry in entries if isinstance(entry.body, dict) and entry.body.get("identity") == identity]
    return [entry.summary() for entry in (mine or entries)[:3]]


# --- truncation -------------------------------------------------------------------------------


def long_pairs(attributes: Any) -> dict[str, Any]:
    """Attributes whose name or string value is longer than every documented reading keeps whole (1023), as given."""
    if not isinstance(attributes, dict):
        return {}
    return {
        str(key): value
        for key, value in attributes.items()
        if len(str(key)) > LONGEST_WHOLE or (isinstance(value, str) and len(value) > LONGEST_WHOLE)
    }


def _source_long_pairs(source: SourceEvent) -> dict[str, Any]:
    pairs = long_pairs(source.data.get("custom_attributes"))
    for item in source.commerce.items if source.commerce else ():
        pairs.update(long_pairs(item.get("custom_attributes")))
    return pairs


def check_truncate(ctx: Context, v: Verdict) -> None:
    for source in ctx.sources():
        for key, value in _source_long_pairs(source).items():
            _expect_cut(v, ctx, source.subject, [e.properties for e in ctx.received(source)], key, value, _sent_whole(ctx, key, value))
    if ctx.fixture.settings.forward_user_attributes:
        for batch in ctx.batches:
            if batch.skip_reason is None:
                stored = ctx.observed.users.get((ctx.app_id, str(batch.identity)), {})
                for key, value in long_pairs(batch.batch.get("user_attributes")).items():
                    _expect_cut(v, ctx, batch.about("user attributes"), [stored], key, value, _sent_whole(ctx, key, value))


def _expect_cut(v: Verdict, ctx: Context, subject: Subject, stored: list[dict[str, Any]], key: str, value: Any, evidence: list[str]) -> None:
    found = [props[name] for props in stored if (name := find_key(props, key)) is not None]
    holds = bool(found) and all(same_value(item, value) for item in found)
    if holds:
        v.ok()
        return
    received = f"{key[:40]!r}... held a value of {len(str(found[0]))} characters" if found else "the property was not stored"
    v.fail(subject, f"property {_clip(key)} and its value whole, or cut to {' or '.join(map(str, ACCEPTED_CUTS))} characters", received, evidence)


def _clip(text: str) -> str:
    return f"{text[:30]!r}... ({len(text)} chars)" if len(text) > 40 else repr(text)


def _sent_whole(ctx: Context, key: str, value: Any) -> list[str]:
    """Requests that carried the name or value uncut, with how the simulator answered."""
    needles = [text for text in (key, value) if isinstance(text, str) and len(text) > max(ACCEPTED_CUTS)]
    hits = [entry for entry in ctx.observed.journal if any(needle in str(entry.body) for needle in needles)]
    return [f"{entry.summary()} sent it uncut ({(entry.message or 'accepted').splitlines()[0][:150]})" for entry in hits[:3]]


def check_truncate_event_name(ctx: Context, v: Verdict) -> None:
    for source in ctx.sources():
        name = documented_name(source) if source.commerce is None else None
        if name is None or len(name) <= max(ACCEPTED_CUTS):
            continue
        got = ctx.received(source)
        names = [event.name for event in got]
        v.expect(
            len(got) == 1 and bears_name(names[0], name),
            source.subject,
            f"1 Heap event named with the first {' or '.join(map(str, ACCEPTED_CUTS))} of the name's {len(name)} characters",
            f"names of {[len(n) for n in names]} characters" if got else "no Heap event",
            _sent_whole(ctx, name, None) or ctx.evidence(source),
        )


# --- batch-level settings ---------------------------------------------------------------------


def _expect_batch(v: Verdict, ctx: Context, batch: SourceBatch, forwarded: bool, why: str) -> None:
    """Expect every supported event of a batch delivered, or nothing of the batch at all."""
    for source in batch.events:
        if not source.supported:
            continue
        got = ctx.received(source)
        if forwarded:
            v.expect(bool(got), source.subject, f"Heap event(s) at {at(source)} ({why})", describe(got), ctx.evidence(source))
        else:
            v.expect(not got, source.subject, f"no Heap event ({why})", describe(got), [e.summary() for e in got[:3]])
    if not forwarded and batch.identity is not None:
        user = ctx.observed.users.get((ctx.app_id, batch.identity))
        v.expect(user is None, batch.about("user attributes"), f"no user properties ({why})", repr(user))


def check_platforms(ctx: Context, v: Verdict) -> None:
    for batch in ctx.batches:
        if batch.identity is None or (is_web(batch.platform) and not ctx.fixture.settings.forward_web_requests_server_side):
            continue
        label = f"platform {batch.platform!r}" if batch.platform else "a data feed (no platform)"
        _expect_batch(v, ctx, batch, batch.skip_reason is None, label)


def check_web_server_side(ctx: Context, v: Verdict) -> None:
    web_on = ctx.fixture.settings.forward_web_requests_server_side
    for batch in ctx.batches:
        if batch.identity is None or (batch.skip_reason is not None and "not supported" in batch.skip_reason):
            continue
        web = is_web(batch.platform)
        setting = f"Forward Web Requests Server Side {'on' if web_on else 'off'}"
        _expect_batch(v, ctx, batch, web_on or not web, f"{'web' if web else batch.platform or 'data feed'} batch, {setting}")
