"""Commerce fan-out: one main event and one Item per product or promotion, in one bulk request.

The seed says what the main event and the Items contain, not under which property names, so the
content checks look for values (each product ID somewhere on the main event, each product field
somewhere on its Item) rather than for our names.

Where the seed allows more than one reading, every reading passes (the catalogue's `readings`):
impressions may have one main event for the commerce event or one per impression list (mParticle's
Heap kit); the main event and its Items may come in any order; the IDs may be listed on the main
event under any name and in any form. A commerce event of several kinds is judged by the
delivery rules only, since the seed's table gives one main event per kind and no more.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.checks.mapping import at, describe
from conformance.checks.values import has_value, mentions, mentions_action, property_mismatches
from conformance.context import Context
from conformance.oracle import ITEM_EVENT_NAME, LONGEST_WHOLE, CommerceShape, SourceEvent, heap_values
from conformance.received import ReceivedEvent
from conformance.results import Verdict
from heap_facts.lengths import ARRAY_JOINER, MAX_BULK_ITEMS
from heap_facts.names import COMMERCE_EVENT

MAX_BULK = MAX_BULK_ITEMS  # D-btrack: "a max of 1000 events per request"


def commerce_sources(ctx: Context) -> Iterator[tuple[SourceEvent, CommerceShape]]:
    """Forwarded commerce events of one kind each (the seed does not say how to fan out a mixed one)."""
    for source in ctx.sources(COMMERCE_EVENT):
        if source.commerce is not None and not source.commerce.mixed:
            yield source, source.commerce


def check_fanout(ctx: Context, v: Verdict) -> None:
    for source, shape in commerce_sources(ctx):
        got = ctx.received(source)
        wanted = {mains + len(shape.items) for mains in shape.main_counts}
        v.expect(
            len(got) in wanted,
            source.subject,
            f"{_or(sorted(wanted))} Heap events at {at(source)}: {_mains(shape)} + {len(shape.items)} sub-event(s), one per "
            f"{'promotion' if shape.kind == 'promotion' else 'product'}",
            describe(got),
            ctx.evidence(source, shape.main_name),
        )


def check_names(ctx: Context, v: Verdict) -> None:
    for source, shape in commerce_sources(ctx):
        got = ctx.received(source)
        mains = sum(1 for event in got if event.name == shape.main_name)
        items = sum(1 for event in got if event.name == ITEM_EVENT_NAME)
        v.expect(
            mains in shape.main_counts and items == len(shape.items) and len(got) == mains + items,
            source.subject,
            f"{_or(sorted(shape.main_counts))}× {shape.main_name!r} and {len(shape.items)}× {ITEM_EVENT_NAME!r}",
            describe(got),
            ctx.evidence(source, shape.main_name),
        )


def check_one_request(ctx: Context, v: Verdict) -> None:
    for source, shape in commerce_sources(ctx):
        if 1 + len(shape.items) > MAX_BULK:
            continue  # cannot fit one request; how to split is a convention
        got = ctx.received(source)
        requests = sorted({event.request_id for event in got})
        endpoints = sorted({event.endpoint for event in got})
        v.expect(
            len(got) > 0 and len(requests) == 1 and endpoints == ["bulk_track"],
            source.subject,
            "the main event and all sub-events in 1 bulk track request",
            f"{len(got)} event(s) in {len(requests)} request(s) {requests[:6]} via {endpoints}" if got else "no Heap event",
            [entry.summary() for entry in ctx.requests_carrying(source)][:4] or ctx.near_events(shape.main_name),
        )


def _or(counts: list[int]) -> str:
    return " or ".join(map(str, counts))


def _mains(shape: CommerceShape) -> str:
    return "1 main event" if shape.main_counts == {1} else f"{_or(sorted(shape.main_counts))} main event(s) (one, or one per impression list)"


def main_events(got: tuple[ReceivedEvent, ...], shape: CommerceShape) -> list[ReceivedEvent]:
    """The main event(s): those bearing the documented name, else those not named Item, if their number is allowed."""
    named = [event for event in got if event.name == shape.main_name]
    if len(named) in shape.main_counts:
        return named
    others = [event for event in got if event.name != ITEM_EVENT_NAME]
    return others if len(others) in shape.main_counts else []


def check_main_content(ctx: Context, v: Verdict) -> None:
    for source, shape in commerce_sources(ctx):
        got = ctx.received(source)
        mains = main_events(got, shape)
        if not mains:
            v.fail(source.subject, f"{_mains(shape)} ({shape.main_name!r}) to inspect", describe(got), ctx.evidence(source, shape.main_name))
            continue
        problems = _main_problems(mains, source, shape)
        v.expect(
            not problems,
            source.subject,
            "main event(s) holding every item ID between them, the action type and the event attributes",
            "; ".join(problems[:5]),
            [main.summary() for main in mains[:3]],
        )


def ids_fit(shape: CommerceShape) -> bool:
    """Whether all item IDs fit one value no reading cuts; beyond that truncation may lose some, as documented."""
    return len(ARRAY_JOINER.join(shape.item_ids)) <= LONGEST_WHOLE


def _main_problems(mains: list[ReceivedEvent], source: SourceEvent, shape: CommerceShape) -> list[str]:
    ids = shape.item_ids if ids_fit(shape) else ()
    missing_ids = [item_id for item_id in ids if not any(mentions(main.properties, item_id) for main in mains)]
    problems = [f"no property holds ID(s) {missing_ids[:5]}{'...' if len(missing_ids) > 5 else ''}"] if missing_ids else []
    for main in mains:
        if shape.kind == "product_action" and shape.action and not mentions_action(main.properties, shape.action):
            problems.append(f"no property holds the action type {shape.action!r}")
        problems += property_mismatches(main.properties, source.attributes())
    return problems


def check_item_content(ctx: Context, v: Verdict) -> None:
    for source, shape in commerce_sources(ctx):
        got = ctx.received(source)
        mains = main_events(got, shape)
        items = [event for event in got if event.name == ITEM_EVENT_NAME] or [e for e in got if e not in mains]
        for position, item in enumerate(shape.items):
            _check_item(v, source, position, item, items)


def _check_item(v: Verdict, source: SourceEvent, position: int, item: dict[str, Any], events: list[ReceivedEvent]) -> None:
    subject = source.about(f"item {position} (id {item.get('id')!r})")
    if item.get("id") in (None, ""):
        return
    matches = [event for event in events if has_value(event.properties, str(item["id"]))]
    if len(matches) != 1:
        v.fail(subject, f"exactly 1 Item event holding ID {item['id']!r}", f"{len(matches)} such event(s)", [e.summary() for e in events[:3]])
        return
    problems = item_problems(matches[0].properties, item)
    v.expect(not problems, subject, "every field and custom attribute of the item on its Item event", "; ".join(problems[:5]), [matches[0].summary()])


def item_problems(properties: dict[str, Any], item: dict[str, Any]) -> list[str]:
    """Fields whose value appears on no property, and custom attributes missing by name."""
    fields = {key: value for key, value in heap_values(item).items() if key != "custom_attributes"}
    missing = [f"{key} ({value!r}) on no property" for key, value in fields.items() if not has_value(properties, value)]
    return missing + property_mismatches(properties, heap_values(item.get("custom_attributes")))
