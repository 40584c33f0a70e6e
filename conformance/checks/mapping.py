"""The 1:1 mapping: custom events, screen views, sessions, and nothing for unlisted event types."""

from __future__ import annotations

from collections import Counter
from typing import Any

from conformance.checks.values import property_mismatches, same_value
from conformance.context import Context, bears_name, documented_name
from conformance.oracle import SourceEvent
from conformance.received import ReceivedEvent, iso_ms
from conformance.results import Verdict
from heap_facts.names import (
    CUSTOM_EVENT,
    EVENT_TYPE_PROPERTY,
    SCREEN_NAME_FIELD,
    SCREEN_NAME_PROPERTY,
    SCREEN_VIEW,
    SCREEN_VIEW_PREFIX,
    SESSION_END,
    SESSION_START,
)  # fmt: skip


def describe(events: tuple[ReceivedEvent, ...] | list[ReceivedEvent]) -> str:
    """A short account of what arrived for a source: how many events, under which names."""
    if not events:
        return "no Heap event"
    names = Counter(event.name[:80] for event in events)
    listed = ", ".join(f"{count}× {name!r}" for name, count in names.most_common(4))
    return f"{len(events)} Heap event(s): {listed}"


def at(source: SourceEvent) -> str:
    return iso_ms(source.attribution_ms) if source.attribution_ms is not None else "(no timestamp)"


def one_named(v: Verdict, ctx: Context, source: SourceEvent, name: str) -> ReceivedEvent | None:
    """Expect exactly one Heap event for `source`, named `name` (a long name cut as documented); return it when so."""
    got = ctx.received(source)
    if len(got) == 1 and bears_name(got[0].name, name):
        v.ok()
        return got[0]
    v.fail(source.subject, f"exactly 1 Heap event named {name[:120]!r} at {at(source)}", describe(got), ctx.evidence(source, name))
    return None


def carries_attributes(v: Verdict, source: SourceEvent, event: ReceivedEvent) -> None:
    """Expect every custom attribute of the source among the event's properties."""
    problems = property_mismatches(event.properties, source.attributes())
    v.expect(not problems, source.subject, "every custom attribute as a property", "; ".join(problems[:5]), [event.summary()])


def check_custom_event(ctx: Context, v: Verdict) -> None:
    for source in ctx.sources(CUSTOM_EVENT):
        name = documented_name(source)
        if name is None:
            continue
        event = one_named(v, ctx, source, name)
        if event is not None:
            carries_attributes(v, source, event)


def check_custom_event_type(ctx: Context, v: Verdict) -> None:
    for source in ctx.sources(CUSTOM_EVENT):
        wanted = source.data.get("custom_event_type")
        if not wanted:
            continue  # what to send when the type is missing is a convention
        expect_property(ctx, v, source, EVENT_TYPE_PROPERTY, wanted)


def expect_property(ctx: Context, v: Verdict, source: SourceEvent, name: str, wanted: Any) -> None:
    """Every Heap event received for `source` has properties[name] equal to `wanted` (and there is one)."""
    got = ctx.received(source)
    values = [event.properties.get(name) for event in got]
    v.expect(
        bool(got) and all(same_value(value, wanted) for value in values),
        source.subject,
        f"properties.{name} = {str(wanted)[:80]!r}",
        f"{name} = {[str(value)[:80] for value in values]!r}" if got else "no Heap event",
        ctx.evidence(source) if not got else [event.summary() for event in got[:3]],
    )


def _screen_sources(ctx: Context) -> list[SourceEvent]:
    return [source for source in ctx.sources(SCREEN_VIEW) if source.data.get(SCREEN_NAME_FIELD)]


def check_screen_name(ctx: Context, v: Verdict) -> None:
    for source in _screen_sources(ctx):
        event = one_named(v, ctx, source, f"{SCREEN_VIEW_PREFIX}{source.data[SCREEN_NAME_FIELD]}")
        if event is not None:
            carries_attributes(v, source, event)


def check_screen_property(ctx: Context, v: Verdict) -> None:
    for source in _screen_sources(ctx):
        expect_property(ctx, v, source, SCREEN_NAME_PROPERTY, str(source.data[SCREEN_NAME_FIELD]))


def check_session(ctx: Context, v: Verdict) -> None:
    for source in ctx.sources(SESSION_START, SESSION_END):
        got = ctx.received(source)
        v.expect(len(got) == 1, source.subject, f"exactly 1 Heap event at {at(source)}", describe(got), ctx.evidence(source))


def check_unlisted(ctx: Context, v: Verdict) -> None:
    for source in ctx.sources(forwarded=None):
        if source.supported:
            continue
        got = ctx.received(source)
        v.expect(not got, source.subject, f"no Heap event ({source.event_type} is not a forwarded type)", describe(got), [e.summary() for e in got[:3]])
    named = {name for source in ctx.sources(forwarded=None) if (name := documented_name(source))}
    unaccounted = [event for event in ctx.strays if not any(bears_name(event.name, name) for name in named)]  # a stray bearing a source's name has a wrong timestamp
    v.ok(len(ctx.heap.events) - len(unaccounted))
    for event in unaccounted:
        v.fail(f"stored event {event.request_id}", "no Heap event that no mParticle event accounts for", event.summary())
