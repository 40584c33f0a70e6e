"""Long names and values: whole, or cut to one of the lengths the seed allows (1023 or 1024)."""

from __future__ import annotations

from typing import Any

from conformance.checks.values import find_key, same_value
from conformance.context import Context, bears_name, documented_name
from conformance.oracle import LONGEST_WHOLE, SourceEvent
from conformance.results import Subject, Verdict
from heap_facts.lengths import ACCEPTED_CUTS


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
                stored = ctx.heap.users.get((ctx.app_id, str(batch.identity)), {})
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
    hits = [entry for entry in ctx.heap.journal if any(needle in str(entry.body) for needle in needles)]
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
