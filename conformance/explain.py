"""How a rule, a finding and a cause are told, in lines (terminal, Markdown, JUnit) and as JSON.

Every renderer takes its words from here, so the text report, the Markdown, the JUnit XML and the
JSON report say the same thing about the same rule, finding and cause. A finding is told with the
input it is about (the event, the batch fields that decide how it is forwarded, the settings and
any unusual input with the fixture's provenance), what was expected and received, the nearest
requests, and the forwarder's exit status and output for that batch; a finding that is part of a
cause points to it instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from conformance.results import BatchDelivery, Cause, Finding, InputView, RuleResult, Status

if TYPE_CHECKING:
    from conformance.runner import Report

LINE = 400  # characters of one JSON value shown on a line of text
OUTPUT_LINES = 12  # lines of a program's stdout or stderr shown in text (the JSON has all it kept)


def compact(value: Any, limit: int = LINE) -> str:
    """A value as one line of JSON, cut to `limit` characters."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 20] + f"...({len(text)} chars)"


# --- rules ---------------------------------------------------------------------------------------


def rule_header(result: RuleResult, indent: str, tag: str) -> list[str]:
    rule = result.rule
    return [f"[{tag}] {rule.id} ({rule.kind}): {rule.statement}", f"{indent}reads: {rule.reads.text()}", f"{indent}source: {rule.source}"]


def rule_json(result: RuleResult, report: Report) -> dict[str, Any]:
    rule = result.rule
    unexplained = [(fixture_id, finding) for fixture_id, finding in result.findings if report.cause_of(fixture_id, finding) is None]
    return {
        "id": rule.id,
        "kind": rule.kind.value,
        "result": result.status.value,
        "statement": rule.statement,
        "reads": {"mparticle": list(rule.reads.mparticle), "heap": rule.reads.heap},
        "source": rule.source,
        "readings": rule.readings,
        "fixtures": list(result.fixtures),
        "checks": result.assertions,
        "causes": cause_numbers(report, result),
        "failures": [finding_json(report, fixture_id, finding) for fixture_id, finding in unexplained],
    }


def cause_numbers(report: Report, result: RuleResult) -> list[int]:
    """The numbers of the causes a rule's findings are part of."""
    return sorted({found[0] for fixture_id, finding in result.findings if (found := report.cause_of(fixture_id, finding)) is not None})


# --- findings ------------------------------------------------------------------------------------


def finding_lines(report: Report, fixture_id: str, finding: Finding, indent: str) -> Iterator[str]:
    yield f"{indent}- fixture {fixture_id}: {finding.subject}"
    inner = indent + "    "
    found = report.cause_of(fixture_id, finding)
    if found is not None:
        number, cause = found
        yield f"{inner}part of cause {number}: {cause.summary}"
        return
    yield from comparison_lines(finding.expected, finding.received, "nearest received", finding.nearest, inner)
    outcome = report.outcome(fixture_id)
    if outcome is not None and finding.location is not None:
        yield from input_lines(outcome.inputs.get(finding.location), inner)
        yield from forwarder_lines(outcome.delivery(finding.location[0]), inner)


def comparison_lines(expected: str, received: str, title: str, nearby: Sequence[str], indent: str) -> Iterator[str]:
    """What was expected, what was received, and (under `title`) what came nearest, if anything did."""
    yield f"{indent}expected: {expected}"
    yield f"{indent}received: {received}"
    if nearby:
        yield f"{indent}{title}:"
        for line in nearby:
            yield f"{indent}  {line}"


def finding_json(report: Report, fixture_id: str, finding: Finding) -> dict[str, Any]:
    outcome = report.outcome(fixture_id)
    view = outcome.inputs.get(finding.location) if outcome is not None and finding.location is not None else None
    delivery = outcome.delivery(finding.batch) if outcome is not None and finding.batch is not None else None
    return {
        "fixture": fixture_id,
        "subject": finding.subject,
        "batch": finding.batch,
        "event": finding.event,
        "expected": finding.expected,
        "received": finding.received,
        "nearest": list(finding.nearest),
        "input": view.as_json() if view is not None else None,
        "forwarder": delivery.as_json() if delivery is not None else None,
    }


# --- causes --------------------------------------------------------------------------------------


def cause_lines(report: Report, number: int, cause: Cause, indent: str) -> Iterator[str]:
    where = f"batch {cause.batch}" + ("" if cause.event is None else f" event {cause.event}")
    yield f"[CAUSE {number}] fixture {cause.fixture_id}, {where}: {cause.summary}"
    yield f"{indent}fails: {', '.join(cause.rules)}"
    outcome = report.outcome(cause.fixture_id)
    yield from input_lines(outcome.inputs.get(cause.location) if outcome else None, indent)
    yield from comparison_lines(cause.expected, cause.received, "evidence (nearest received)", cause.evidence, indent)
    yield from forwarder_lines(outcome.delivery(cause.batch) if outcome else None, indent)


def cause_json(report: Report, number: int, cause: Cause) -> dict[str, Any]:
    outcome = report.outcome(cause.fixture_id)
    view = outcome.inputs.get(cause.location) if outcome is not None else None
    delivery = outcome.delivery(cause.batch) if outcome is not None else None
    return {
        "number": number,
        "kind": cause.kind,
        "summary": cause.summary,
        "fixture": cause.fixture_id,
        "batch": cause.batch,
        "event": cause.event,
        "rules": list(cause.rules),
        "input": view.as_json() if view is not None else None,
        "expected": cause.expected,
        "received": cause.received,
        "evidence": list(cause.evidence),
        "forwarder": delivery.as_json() if delivery is not None else {"exit": None, "stdout": "", "stderr": ""},
    }


# --- inputs and the forwarder's output ------------------------------------------------------------


def input_lines(view: InputView | None, indent: str) -> Iterator[str]:
    if view is None:
        return
    yield f"{indent}input: batch {view.batch} {compact(view.data['batch'])}"
    yield f"{indent}  read as: {_reading(view.data['read_as'])}"
    yield f"{indent}  settings: {compact(view.data['settings'])}"
    if "event" in view.data:
        yield f"{indent}  event {view.event}: {compact(view.data['event'])}"
    else:
        shown = view.data["events"]
        more = f" (first {len(shown)} of {view.data['event_count']})" if view.data["event_count"] > len(shown) else ""
        yield f"{indent}  events{more}: {compact(shown)}"
    for unusual in view.unusual:
        yield f"{indent}  unusual input {unusual.path} ({unusual.violation}): {unusual.provenance}"


def _reading(reading: dict[str, Any]) -> str:
    platform = reading["platform"] if reading["platform"] is not None else "none (a data feed)"
    forwarded = "forwarded" if reading["forwarded"] else f"not forwarded: {reading.get('not_forwarded_because')}"
    return f"identity {reading['identity']!r} from {reading['identity_from']}, platform {platform}; {forwarded}"


def forwarder_lines(delivery: BatchDelivery | None, indent: str) -> Iterator[str]:
    if delivery is None:
        return
    where = f"{indent}forwarder on batch {delivery.batch_index}:"
    if delivery.exit is None and not delivery.stdout and not delivery.stderr:
        yield f"{where} {'in-process, returned as delivered' if delivery.ok else f'reported a failure: {delivery.detail}'}"
        return
    yield f"{where} {'exit ' + str(delivery.exit) if delivery.exit is not None else delivery.detail}"
    for name, text in (("stdout", delivery.stdout), ("stderr", delivery.stderr)):
        lines = text.rstrip("\n").splitlines()
        if not lines:
            yield f"{indent}  {name}: (empty)"
            continue
        yield f"{indent}  {name}:" + (f" (last {OUTPUT_LINES} of {len(lines)} lines)" if len(lines) > OUTPUT_LINES else "")
        yield from (f"{indent}    {line}" for line in lines[-OUTPUT_LINES:])


def status_tag(status: Status) -> str:
    return "FAIL" if status == Status.FAIL else "DIFFERS"
