"""Our own conventions (forwarder/MAPPING.md), where the seed is silent. Another team's forwarder
may choose differently and still conform to every documented rule."""

from __future__ import annotations

from collections import defaultdict

from conformance.checks.carried import accepted_user_updates
from conformance.checks.commerce import MAX_BULK, commerce_sources
from conformance.checks.mapping import at, describe, one_named
from conformance.checks.values import find_key, has_value, same_value
from conformance.context import Context
from conformance.results import Verdict
from heap_facts.lengths import ARRAY_JOINER
from heap_facts.names import (
    CUSTOM_EVENT,
    DEFAULT_CUSTOM_EVENT_TYPE,
    EVENT_TYPE_PROPERTY,
    SCREEN_NAME_FIELD,
    SCREEN_NAME_PROPERTY,
    SCREEN_VIEW,
    SCREEN_VIEW_PREFIX,
    SESSION_END,
    SESSION_EVENT_NAMES,
    SESSION_START,
    is_reserved_user_property,
)  # fmt: skip


def check_session_names(ctx: Context, v: Verdict) -> None:
    for source in ctx.sources(SESSION_START, SESSION_END):
        one_named(v, ctx, source, SESSION_EVENT_NAMES[source.event_type])


def check_screen_fallback(ctx: Context, v: Verdict) -> None:
    for source in ctx.sources(SCREEN_VIEW):
        if source.data.get(SCREEN_NAME_FIELD) or not source.data.get("event_name"):
            continue
        fallback = str(source.data["event_name"])
        event = one_named(v, ctx, source, f"{SCREEN_VIEW_PREFIX}{fallback}")
        if event is not None:
            held = event.properties.get(SCREEN_NAME_PROPERTY)
            v.expect(same_value(held, fallback), source.subject, f"properties.screen_name = {fallback!r}", f"{held!r}", [event.summary()])


def check_commerce_order(ctx: Context, v: Verdict) -> None:
    for source, shape in commerce_sources(ctx):
        got = ctx.received(source)
        if len(got) != 1 + len(shape.items):
            v.fail(source.subject, f"1 + {len(shape.items)} Heap events to order", describe(got), ctx.evidence(source))
            continue
        misplaced = [
            position for position, item in enumerate(shape.items) if item.get("id") and not has_value(got[position + 1].properties, str(item["id"]))
        ]
        v.expect(
            got[0].name == shape.main_name and not misplaced,
            source.subject,
            f"{shape.main_name!r} first, then the Items in product order",
            f"first {got[0].name!r}; items out of order at positions {misplaced[:5]}",
            [event.summary() for event in got[:3]],
        )


def check_commerce_split(ctx: Context, v: Verdict) -> None:
    for source, shape in commerce_sources(ctx):
        total = 1 + len(shape.items)
        if total <= MAX_BULK:
            continue
        got = ctx.received(source)
        per_request: dict[str, int] = defaultdict(int)
        for event in got:
            per_request[event.request_id] += 1
        sizes = list(per_request.values())
        wanted = [MAX_BULK] * (total // MAX_BULK) + ([total % MAX_BULK] if total % MAX_BULK else [])
        v.expect(sizes == wanted, source.subject, f"{total} events in bulk requests of {wanted}", f"requests of {sizes}", ctx.evidence(source))


def check_timestamp_fallback(ctx: Context, v: Verdict) -> None:
    for source in ctx.sources():
        if source.timestamp_ms is not None or source.batch_timestamp_ms is None:
            continue
        got = ctx.received(source)
        low, high = source.expected_range
        v.expect(low <= len(got) <= high, source.subject, f"{source.expected_text} Heap event(s) at the batch's time {at(source)}", describe(got), ctx.near_events(None, among=ctx.strays))


def check_idempotency(ctx: Context, v: Verdict) -> None:
    keys: dict[tuple[str, ...], set[str | None]] = defaultdict(set)
    for entry in ctx.heap.journal:
        for event in entry.events:
            signature = (str(event.get("event")), str(event.get("timestamp")), str(event.get("identity")), repr(event.get("properties")))
            keys[signature].add(event.get("idempotency_key"))
    for (name, timestamp, *_), seen in keys.items():
        v.expect(
            None not in seen and len(seen) == 1,
            f"event {name[:60]!r} at {timestamp}",
            "the same non-empty idempotency_key on every send",
            f"keys {sorted(map(str, seen))[:3]}",
        )
    for source in ctx.sources():
        got = ctx.received(source)
        if ctx.fixture.deliveries > 1 and got:
            low, high = source.expected_range
            v.expect(low <= len(got) <= high, source.subject, f"{source.expected_text} event(s) after {ctx.fixture.deliveries} deliveries", describe(got))


def check_custom_type_default(ctx: Context, v: Verdict) -> None:
    for source in ctx.sources(CUSTOM_EVENT):
        if source.data.get("custom_event_type"):
            continue
        got = ctx.received(source)
        values = [event.properties.get(EVENT_TYPE_PROPERTY) for event in got]
        v.expect(bool(got) and values == [DEFAULT_CUSTOM_EVENT_TYPE] * len(got), source.subject, f"properties.event_type = {DEFAULT_CUSTOM_EVENT_TYPE!r}", f"{values!r}", ctx.evidence(source))


def converted(value: object) -> object:
    """MAPPING.md §4.6 for the values the seed leaves open (None: the property is dropped)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ARRAY_JOINER.join(str(converted(item)) for item in value if item is not None)
    return value


def check_values(ctx: Context, v: Verdict) -> None:
    for source in ctx.sources():
        attributes = source.data.get("custom_attributes") or {}
        odd = {str(key): value for key, value in attributes.items() if value is None or isinstance(value, (bool, list))}
        for event in ctx.received(source)[:1] if odd else ():
            for key, value in odd.items():
                wanted = converted(value)
                found = find_key(event.properties, key)
                held = "(absent)" if found is None else event.properties[found]
                v.expect(
                    held == "(absent)" if wanted is None else same_value(held, wanted),
                    source.about(f"attribute {key!r} = {value!r}"),
                    "dropped" if wanted is None else f"{wanted!r}",
                    f"{held!r}",
                    [event.summary()],
                )


def check_session_uuid(ctx: Context, v: Verdict) -> None:
    for source in ctx.sources():
        uuid = source.data.get("session_uuid")
        if source.session_id is not None or not uuid:
            continue
        got = ctx.received(source)
        held = [event.session_id for event in got]
        v.expect(bool(got) and held == [str(uuid)] * len(got), source.subject, f"session_id {uuid!r}", f"{held!r}", ctx.evidence(source))


PROPERTY_NAMES = {
    "product_action": ("product_action", "product_ids", "product_id"),
    "impression": (None, "product_ids", "product_id"),
    "promotion": ("promotion_action", "promotion_ids", "promotion_id"),
}


def check_commerce_properties(ctx: Context, v: Verdict) -> None:
    for source, shape in commerce_sources(ctx):
        got = ctx.received(source)
        action_name, ids_name, item_name = PROPERTY_NAMES[shape.kind]
        wanted = {ids_name: ARRAY_JOINER.join(shape.item_ids)} if shape.item_ids else {}
        if action_name and isinstance(shape.action, str) and not shape.action.isdigit():
            wanted[action_name] = shape.action.lower()
        main = got[0].properties if got else {}
        problems = [f"{name} = {main.get(name)!r} (expected {value!r})" for name, value in wanted.items() if not same_value(main.get(name), value)]
        item_ids = [str(event.properties.get(item_name)) for event in got[1:]]
        if item_ids != list(shape.item_ids):
            problems.append(f"Item {item_name}s {item_ids[:4]} (expected {list(shape.item_ids)[:4]})")
        v.expect(bool(got) and not problems, source.subject, f"{sorted(wanted)} on the main event, {item_name} on each Item", "; ".join(problems) or "no Heap event", [e.summary() for e in got[:2]])


def check_user_id_rename(ctx: Context, v: Verdict) -> None:
    for batch in ctx.batches:
        attributes = batch.batch.get("user_attributes") or {}
        reserved = [str(key) for key in attributes if is_reserved_user_property(str(key)) and attributes[key] is not None]
        if batch.skip_reason is not None or not ctx.fixture.settings.forward_user_attributes:
            continue
        updates = accepted_user_updates(ctx, batch.identity)
        for key in reserved:
            renamed = f"mparticle_{key}"
            v.expect(
                any(same_value(update.get(renamed), attributes[key]) and key not in update for update in updates),
                batch.about(f"user attribute {key!r}"),
                f"sent as {renamed!r}",
                f"updates {[sorted(update) for update in updates][:2]}",
            )
