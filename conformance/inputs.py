"""Fixture batches checked as mParticle input before anything runs: mParticle's Events API schema,
the unusual inputs a fixture declares with their provenance, event types and timestamps. Pure,
but for reading the schema file once.

Why: a failure is only the forwarder's fault if the input is one the forwarder should handle. So a
fixture's batches must be Events API batches (S2, copied in `reference/`), and where a fixture
uses a shape that schema does not allow but a real client sends (the Python SDK's `customerid`,
an MPID as a string, the outbound `user_identities` array), it declares that shape in
`unusual_inputs` with its provenance; the reports then show that provenance beside any failure
the shape is involved in. An undeclared deviation stops the run (exit 2) naming the JSON path.

One thing is relaxed for every fixture: S2 requires `environment`, which S1 says defaults to
production and which no Heap forwarder reads, so a fixture may leave it out.

Events are validated against their own event type's definition (chosen by `event_type`) rather
than the schema's `oneOf` of all seventeen, which names the real problem and is 17 times cheaper;
a `$repeat` is validated once as its template, not once per copy.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]

from heap_facts.names import EVENT_TYPE_FIELD

EVENTS_API_SCHEMA_PATH = Path(__file__).resolve().parent / "reference" / "mparticle.inbound.eventsapi.schema.json"
RELAXED_REQUIRED = ("environment",)  # S1: "defaults to production"; no Heap forwarder reads it
TIMESTAMP = "timestamp_unixtime_ms"


Span = tuple[int, int]  # the first expanded position a (possibly `$repeat`ed) element takes, and how many


@dataclass(frozen=True)
class UnusualInput:
    """One place where a fixture's batch differs from the Events API schema, and why it may."""

    path: str  # the JSON path; a `$repeat` is named by its position and checked as its template
    violation: str  # what the schema says about it
    provenance: str  # the fixture's declaration: which real client sends it, and where that is shown
    batches: Span = (0, 1)  # the expanded batches it is in
    events: Span | None = None  # the expanded events of those batches it is in (None: a batch field)

    def as_json(self) -> dict[str, str]:
        return {"path": self.path, "violation": self.violation, "provenance": self.provenance}

    def within(self, batch: int, event: int | None) -> bool:
        """Whether it lies in that batch's own fields or in that event (any of its events, for event None)."""
        if not _in(batch, self.batches):
            return False
        return self.events is None or event is None or _in(event, self.events)


def _in(index: int, span: Span) -> bool:
    return span[0] <= index < span[0] + span[1]


@cache
def events_api_schema() -> dict[str, Any]:
    """mParticle's inbound Events API batch schema (S2), as copied in `reference/`."""
    schema: dict[str, Any] = json.loads(EVENTS_API_SCHEMA_PATH.read_text())
    return schema


@cache
def event_types() -> dict[str, str]:
    """Each mParticle event type the schema defines, to the name of its definition."""
    schema = events_api_schema()
    names = [option["$ref"].rsplit("/", 1)[1] for option in schema["properties"]["events"]["items"]["oneOf"]]
    return {schema["definitions"][name]["properties"][EVENT_TYPE_FIELD]["enum"][0]: name for name in names}


@cache
def _batch_validator() -> Any:
    envelope = copy.deepcopy(events_api_schema())
    envelope["required"] = [name for name in envelope.get("required", []) if name not in RELAXED_REQUIRED]
    envelope["properties"].pop("events")  # each event is validated against its own type's definition
    return jsonschema.Draft7Validator(envelope)


@cache
def _event_validator(definition: str) -> Any:
    schema = events_api_schema()
    return jsonschema.Draft7Validator({"$ref": f"#/definitions/{definition}", "definitions": schema["definitions"]})


class Declared:
    """A fixture's `unusual_inputs`: JSON paths (`[*]` for any position) covering what lies beneath them."""

    def __init__(self, declarations: list[dict[str, str]]) -> None:
        self.entries = [(_path_pattern(entry["path"]), entry["provenance"]) for entry in declarations]

    def provenance(self, path: str) -> str | None:
        return next((provenance for pattern, provenance in self.entries if pattern.match(path)), None)


def _path_pattern(declared: str) -> re.Pattern[str]:
    body = re.escape(declared).replace(r"\[\*\]", r"\[\d+\]")
    return re.compile(f"^{body}(?=$|[.\\[])")


def check_batches(batches: list[Any], declarations: list[dict[str, str]]) -> tuple[list[str], tuple[UnusualInput, ...]]:
    """Every problem of a fixture's (unexpanded) batches, and the unusual inputs its declarations cover.

    A problem is `$.path: what is wrong`: a deviation from the schema no declaration covers, or an
    event type mParticle does not have (no declaration covers that: it would be judged as nothing).
    """
    declared = Declared(declarations)
    problems: list[str] = []
    unusual: list[UnusualInput] = []
    for path, violation, batch_span, event_span in _violations(batches):
        provenance = declared.provenance(path)
        if provenance is None:
            problems.append(f"{path}: {violation}")
        else:
            unusual.append(UnusualInput(path, violation, provenance, batch_span, event_span))
    problems = [f"{problem} (mParticle's Events API schema; if a real client sends this, declare it in $.unusual_inputs with its provenance)" for problem in problems]
    return _event_type_problems(batches) + problems, tuple(unusual)


def _violations(batches: list[Any]) -> Iterator[tuple[str, str, Span, Span | None]]:
    for path, batch, batch_span in _templates(batches, "$.batches"):
        if not isinstance(batch, dict):
            continue  # the fixture schema has already said so
        envelope = {key: value for key, value in batch.items() if key != "events"}
        for where, violation in _schema_violations(_batch_validator(), envelope, path):
            yield where, violation, batch_span, None
        for event_path, event, event_span in _templates(batch.get("events") or [], f"{path}.events"):
            definition = event_types().get(str(event.get(EVENT_TYPE_FIELD))) if isinstance(event, dict) else None
            if definition is not None:
                for where, violation in _schema_violations(_event_validator(definition), event, event_path):
                    yield where, violation, batch_span, event_span


def _templates(items: list[Any], path: str) -> Iterator[tuple[str, Any, Span]]:
    """Each element with its JSON path and the expanded positions it takes; a `$repeat` as its template."""
    first = 0
    for index, item in enumerate(items):
        repeat = item.get("$repeat") if isinstance(item, dict) else None
        count = repeat if isinstance(repeat, int) else 1
        yield f"{path}[{index}]", item["item"] if repeat is not None else item, (first, count)
        first += count


def _schema_violations(validator: Any, instance: Any, path: str) -> Iterator[tuple[str, str]]:
    """The schema's errors as (JSON path, violation), a missing or extra field at its own path."""
    for error in validator.iter_errors(instance):
        where = path + error.json_path[1:]
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = error.schema.get("properties", {})
            for key in [key for key in error.instance if key not in known]:
                yield f"{where}.{key}", "is not a field the schema allows here"
        elif error.validator == "required" and isinstance(error.instance, dict):
            for key in [key for key in error.validator_value if key not in error.instance]:
                yield f"{where}.{key}", "is required by the schema"
        else:
            yield where, _short(error.message)


def _short(message: str, limit: int = 160) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."


def _event_type_problems(batches: list[Any]) -> list[str]:
    known = event_types()
    problems = []
    for path, batch, _ in _templates(batches, "$.batches"):
        for event_path, event, _ in _templates(batch.get("events") or [] if isinstance(batch, dict) else [], f"{path}.events"):
            event_type = event.get(EVENT_TYPE_FIELD) if isinstance(event, dict) else None
            if event_type not in known:
                problems.append(f"{event_path}.event_type: {event_type!r} is not an mParticle event type (one of: {', '.join(known)})")
    return problems


# --- timestamps, on the expanded batches -------------------------------------------------------


def timestamp_problems(batches: list[dict[str, Any]], document_batches: list[Any]) -> list[str]:
    """Every event without a timestamp (its own or its batch's) or sharing one with an earlier event.

    The suite finds an event's Heap events by its timestamp, so without one, or with a shared one,
    a failure would be blamed on the forwarder when the fixture is at fault.
    """
    problems: list[str] = []
    seen: dict[int, str] = {}
    for batch_index, batch in enumerate(batches):
        batch_ms = as_epoch_ms(batch.get(TIMESTAMP))
        for event_index, event in enumerate(batch.get("events") or []):
            where = _origin(document_batches, batch_index, event_index)
            own = as_epoch_ms((event.get("data") or {}).get(TIMESTAMP)) if isinstance(event, dict) else None
            stamp = own if own is not None else batch_ms
            if stamp is None:
                problems.append(f"{where}.data.{TIMESTAMP}: missing, and its batch has none either: give every event its own timestamp")
            elif stamp in seen:
                problems.append(f"{where}.data.{TIMESTAMP}: {stamp} is also the timestamp of {seen[stamp]}: give every event its own")
            else:
                seen[stamp] = where
    return problems


def _origin(document_batches: list[Any], batch_index: int, event_index: int) -> str:
    """Where an expanded event is in the fixture file; a `$repeat` copy by its directive and copy number."""
    batch_path, batch_item, batch_copy = _locate(document_batches, batch_index, "$.batches")
    events = batch_item.get("events") or [] if isinstance(batch_item, dict) else []
    event_path, _, event_copy = _locate(events, event_index, f"{batch_path}.events")
    copies = [f"batch copy {batch_copy}" if batch_copy is not None else "", f"event copy {event_copy}" if event_copy is not None else ""]
    noted = ", ".join(note for note in copies if note)
    return f"{event_path}{f' ({noted} of its $repeat)' if noted else ''}"


def _locate(items: list[Any], index: int, path: str) -> tuple[str, Any, int | None]:
    """The element the `index`-th expanded one comes from: its path, its template, and its copy number if repeated."""
    for item, (element_path, template, (first, count)) in zip(items, _templates(items, path), strict=True):
        if index < first + count:
            return element_path, template, index - first if isinstance(item, dict) and "$repeat" in item else None
    return f"{path}[{index}]", {}, None


def as_epoch_ms(value: Any) -> int | None:
    """Epoch milliseconds from a number or a numeric string, as mParticle sends them; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None
