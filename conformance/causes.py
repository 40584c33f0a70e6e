"""Causes, not symptoms: one input the forwarder did not turn into Heap events fails many rules at
once (its name, its type, its timestamp, its identity, its platform), and is reported once, as
that cause, with the rules it fails. No I/O: it reads the context a fixture run built.

Two causes are recognised:

- `no_heap_event`: an event the seed forwards, for which the simulator got nothing: no request
  carried an event at its timestamp, nothing is stored there, and no event stored at a time no
  source has carries its batch's identity (a forwarder that only got the timestamp wrong has not
  sent nothing). When that holds
  for every forwarded event of a batch, the batch is the cause (`event` None).
- `refused`: an event whose requests Heap all refused: the last of them is the cause, once for all
  the events it carried.

A cause is a candidate until the rules are folded: a report keeps the ones that explain a failing
rule's finding (`reported`), so a run that conforms has none. Every other finding stays with its
rule. Both come with the input they are about (`input_views`): the event, the batch fields that
decide how it is forwarded and those its rules read, the settings, and the unusual inputs the
fixture declared there with their provenance.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from conformance.context import Context, sent_ms
from conformance.oracle import SourceBatch, SourceEvent
from conformance.received import JournalEntry, iso_ms
from conformance.results import Cause, CheckResult, FixtureOutcome, InputView, Location, RuleResult, Status
from conformance.rules import RULES
from heap_facts.names import CUSTOMER_ID, MPID
from heap_facts.platforms import is_web

PLATFORM_FIELD = "device_info"  # with the identity External ID selects, what decides whether a batch is forwarded at all
IDENTITY_FIELDS = {MPID: MPID, CUSTOMER_ID: "user_identities"}
SHOWN_EVENTS = 5  # events of a batch shown in a batch-level input


def find_causes(ctx: Context) -> tuple[Cause, ...]:
    """Every candidate cause in one fixture run, batch-level ones first where a whole batch is silent."""
    carrying = _carrying_index(ctx)
    identities = {event.identity for event in ctx.strays}  # stored at a time no source has: maybe ours, mistimed
    causes: list[Cause] = []
    refusals: dict[str, list[SourceEvent]] = defaultdict(list)
    for batch in ctx.batches:
        silent = [(source, _carried(carrying, source)) for source in _forwarded(batch) if _unseen(ctx, source, identities)]
        if silent and len(silent) == len(_forwarded(batch)) and not any(requests for _, requests in silent):
            causes.append(_silent_batch(ctx, batch))
            continue
        for source, requests in silent:
            if not requests:
                causes.append(_silent_event(ctx, source))
            elif all(entry.status >= 300 for entry in requests):
                refusals[requests[-1].id].append(source)
    for request_id, sources in refusals.items():
        entry = ctx.heap.request(request_id)
        if entry is not None:
            causes.append(_refused(ctx, entry, sources, carrying))
    return tuple(causes)


def _forwarded(batch: SourceBatch) -> list[SourceEvent]:
    return [source for source in batch.events if source.forwarded and source.expected_range[0] > 0]


def _unseen(ctx: Context, source: SourceEvent, identities: set[str | None]) -> bool:
    return not ctx.received(source) and source.identity not in identities


def _carried(carrying: dict[int, list[JournalEntry]], source: SourceEvent) -> list[JournalEntry]:
    return [] if source.attribution_ms is None else carrying.get(source.attribution_ms, [])


def _carrying_index(ctx: Context) -> dict[int, list[JournalEntry]]:
    """Every request by the timestamps of the events it carried, built once for the whole journal."""
    index: dict[int, list[JournalEntry]] = defaultdict(list)
    for entry in ctx.heap.journal:
        for stamp in {sent_ms(event.get("timestamp")) for event in entry.events}:
            if stamp is not None:
                index[stamp].append(entry)
    return index


def _silent_batch(ctx: Context, batch: SourceBatch) -> Cause:
    forwarded = _forwarded(batch)
    low = sum(source.expected_range[0] for source in forwarded)
    covers = frozenset([(batch.index, None), *((batch.index, source.event_index) for source in batch.events)])
    return Cause(
        "no_heap_event",
        ctx.fixture.id,
        batch.index,
        None,
        f"batch {batch.index} produced no Heap event at all ({len(forwarded)} event(s) the seed forwards)",
        f"at least {low} Heap event(s) with identity {batch.identity!r}: {forwarded_because(ctx, batch)}",
        "nothing: no request carried any of its events, and no stored event with its identity is unaccounted for",
        tuple(ctx.evidence(forwarded[0])),
        covers,
    )


def _silent_event(ctx: Context, source: SourceEvent) -> Cause:
    batch = ctx.batches[source.batch_index]
    return Cause(
        "no_heap_event",
        ctx.fixture.id,
        source.batch_index,
        source.event_index,
        f"{source.label} produced no Heap event",
        f"{source.expected_text} Heap event(s) at {_at(source)} with identity {source.identity!r}: the seed forwards "
        f"{source.event_type}, and {forwarded_because(ctx, batch)}",
        "nothing: no request carried an event at its timestamp",
        tuple(ctx.evidence(source)),
        frozenset([(source.batch_index, source.event_index)]),
    )


def _refused(ctx: Context, entry: JournalEntry, sources: list[SourceEvent], carrying: dict[int, list[JournalEntry]]) -> Cause:
    first = sources[0]
    message = (entry.message or "").splitlines()[0][:200] if entry.message else ""
    refusal = f"{entry.status}{f' [{entry.rule_id}]' if entry.rule_id else ''}{f': {message}' if message else ''}"
    named = first.label if len(sources) == 1 else f"{len(sources)} events of batch {first.batch_index}"
    tried = _carried(carrying, first)
    return Cause(
        "refused",
        ctx.fixture.id,
        first.batch_index,
        first.event_index if len(sources) == 1 else None,
        f"{entry.id}: {entry.method} {entry.path} was answered {refusal}, and nothing of {named} was stored",
        "a request Heap accepts, so that it stores the event(s)",
        f"{refusal} (its last of {len(tried)} request(s) carrying it)",
        tuple(other.summary() for other in tried[-3:]),
        frozenset((source.batch_index, source.event_index) for source in sources),
    )


def _at(source: SourceEvent) -> str:
    return iso_ms(source.attribution_ms) if source.attribution_ms is not None else "(no timestamp)"


def forwarded_because(ctx: Context, batch: SourceBatch) -> str:
    """Why the seed forwards this batch: where its identity was read, and its platform."""
    settings = ctx.fixture.settings
    identity = f"External ID {settings.external_id} reads identity {batch.identity!r} from {batch.identity_path}"
    if batch.platform is None:
        platform = "no device_info.platform: a data feed, which the seed forwards"
    else:
        web = " (Forward Web Requests Server Side on)" if is_web(batch.platform) else ""
        platform = f"platform {batch.platform!r} is one the seed forwards{web}"
    return f"{identity}; {platform}"


# --- the inputs findings and causes point to ---------------------------------------------------


def input_views(ctx: Context, checks: Iterable[CheckResult], causes: Iterable[Cause]) -> dict[Location, InputView]:
    """The input of every location a finding or a cause points to, with the batch fields its rules read."""
    fields: dict[Location, set[str]] = defaultdict(set)
    for check in checks:
        for finding in check.findings:
            if finding.location is not None:
                fields[finding.location] |= set(RULES[check.rule_id].reads.batch_fields)
    for cause in causes:
        fields[cause.location] |= {name for location in cause.covers for name in fields.get(location, ())}
    return {location: input_view(ctx, location, names) for location, names in fields.items() if location[0] < len(ctx.batches)}


def input_view(ctx: Context, location: Location, fields: Iterable[str] = ()) -> InputView:
    """One event (or a whole batch, event None) as the fixture gave it, with the batch fields and settings around it."""
    index, event = location
    batch = ctx.batches[index]
    raw = batch.batch
    identity = IDENTITY_FIELDS[ctx.fixture.settings.external_id]  # the other identity field decides nothing here
    names = dict.fromkeys(name for name in [identity, PLATFORM_FIELD, *sorted(fields)] if name == identity or name not in IDENTITY_FIELDS.values())
    shown: dict[str, Any] = {name: _platform_only(raw[name]) if name == PLATFORM_FIELD else raw[name] for name in names if name in raw}
    data: dict[str, Any] = {"batch": shown, "read_as": _reading(batch), "settings": dataclasses.asdict(ctx.fixture.settings)}
    events = raw.get("events") or []
    if event is not None and event < len(events):
        data["event"] = events[event]
    else:
        data["events"] = events[:SHOWN_EVENTS]
        data["event_count"] = len(events)
    unusual = [found for found in ctx.fixture.unusual if found.within(index, event) and (found.events is not None or _field(found.path) in (None, *names))]
    return InputView(index, event, data, tuple(unusual))


def _field(path: str) -> str | None:
    """The batch field a JSON path into the batches lies in (None for a path that names whole batches)."""
    rest = path.split("]", 1)[1] if path.startswith("$.batches[") else ""
    return rest.lstrip(".").split(".", 1)[0].split("[", 1)[0] or None


def _platform_only(device_info: Any) -> Any:
    return {"platform": device_info.get("platform")} if isinstance(device_info, dict) and "platform" in device_info else device_info


def _reading(batch: SourceBatch) -> dict[str, Any]:
    """How the suite read the batch: which identity from where, which platform, and whether the seed forwards it."""
    return {
        "identity": batch.identity,
        "identity_from": batch.identity_path,
        "platform": batch.platform,
        "forwarded": batch.skip_reason is None,
        **({"not_forwarded_because": batch.skip_reason} if batch.skip_reason else {}),
    }


# --- causes in a report ----------------------------------------------------------------------------


def reported(results: tuple[RuleResult, ...], outcomes: Iterable[FixtureOutcome]) -> tuple[Cause, ...]:
    """The candidate causes that explain a failing rule's finding, each with those rules (catalogue order)."""
    failing = [result for result in results if result.status == Status.FAIL]
    kept = []
    for outcome in outcomes:
        for cause in outcome.causes:
            rules = tuple(r.rule.id for r in failing if any(cause.explains(fixture_id, finding) for fixture_id, finding in r.findings))
            if rules:
                kept.append(dataclasses.replace(cause, rules=rules))
    return tuple(kept)
