"""A conformance report four ways: a terminal table, Markdown, JUnit XML and JSON for CI.

Failures with one cause (an input that produced no Heap event at all, a refused request) come
first, once each, with the rules they fail; every other failure shows the rule and what it reads,
the input, the expected value, what the simulator received, the nearest requests or events it did
receive and the forwarder's output for that batch, so the reader can fix the forwarder without
re-running it. All four are built from the same rule results and causes (conformance/explain.py).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from typing import Any

from conformance.explain import cause_json, cause_lines, cause_numbers, finding_lines, rule_header, rule_json, status_tag
from conformance.fidelity_warnings import RequestWarningFinding, by_rule
from conformance.results import FixtureOutcome, RuleResult, Status
from conformance.runner import Report

MAX_FINDINGS = 5  # per rule; the rest are counted
MAX_CAUSES = 10  # told in full in the text and Markdown; the JSON report has them all
DIFFERS_NOTE = "differs from heap-sim's convention (reported only; --conventions judges conventions)"


def summary_line(report: Report) -> str:
    counts = Counter(result.status for result in report.rules)
    golden_bad = sum(1 for outcome in report.outcomes if outcome.golden is not None and not outcome.golden.matched)
    golden = f", {golden_bad} golden mismatch(es)" if golden_bad else ""
    warned = len(report.warnings)
    warnings = f", {warned} warning(s){' (failing: --fail-on-warnings)' if report.fail_on_warnings else ''}" if warned else ""
    verdict = "CONFORMS" if report.passed else "DOES NOT CONFORM"
    differs = f", {counts[Status.DIFFERS]} differ from heap-sim's conventions" if counts[Status.DIFFERS] else ""
    causes = f" ({len(report.causes)} cause(s) above)" if report.causes else ""
    return (
        f"{verdict}: {counts[Status.PASS]} passed, {counts[Status.FAIL]} failed{causes}{differs}, {counts[Status.NOT_EXERCISED]} not exercised"
        f"{golden}{warnings} ({len(report.outcomes)} fixtures, {report.real_s:.2f} s)"
    )


# --- terminal ----------------------------------------------------------------------------------


INDENT = "       "
CAUSES_NOTE = "CAUSES: each is one input the forwarder did not turn into Heap events, told once with the rules it fails"


def render_text(report: Report) -> str:
    lines = [f"heap-conformance: {report.forwarder}", "", *_table(report.rules), ""]
    if report.causes:
        lines += [CAUSES_NOTE, ""] + [line for number, cause in _shown_causes(report) for line in [*cause_lines(report, number, cause, INDENT), ""]]
        lines += [f"... and {len(report.causes) - MAX_CAUSES} more cause(s): --json FILE lists them all", ""] if len(report.causes) > MAX_CAUSES else []
    failed = [result for result in report.rules if result.status == Status.FAIL]
    if failed:
        lines += ["FAILURES", ""] + [line for result in failed for line in _failure_text(report, result)]
    differing = [result for result in report.rules if result.status == Status.DIFFERS]
    if differing:
        lines += [f"CONVENTIONS NOT KEPT: each {DIFFERS_NOTE}", ""] + [line for result in differing for line in _failure_text(report, result)]
    lines += _golden_text(report) + _warnings_text(report) + _notes_text(report)
    lines.append(summary_line(report))
    return "\n".join(lines)


def _warnings_text(report: Report) -> list[str]:
    """Warnings: requests the simulator (like live Heap) accepted although Heap's docs forbid them."""
    grouped = by_rule(report.warnings)
    if not grouped:
        return []
    label = "WARNINGS (failing the run: --fail-on-warnings)" if report.fail_on_warnings else "WARNINGS (accepted, but fix before production; --fail-on-warnings fails on them)"
    lines = [label, ""]
    for rule_id, findings in grouped:
        lines += list(_warning_group(rule_id, findings, indent="       ", head="[WARN] "))
    return lines


def _warning_group(rule_id: str, findings: list[RequestWarningFinding], indent: str, head: str = "") -> Iterator[str]:
    first = findings[0]
    yield f"{head}{rule_id}: {first.what_it_did} ({len(findings)} time(s))"
    yield f"{indent}evidence: {first.evidence}: {first.source}"
    for finding in findings[:MAX_FINDINGS]:
        yield f"{indent}- fixture {finding.fixture_id}: {finding.line()}"
    if len(findings) > MAX_FINDINGS:
        yield f"{indent}... and {len(findings) - MAX_FINDINGS} more"
    yield ""


def _table(results: tuple[RuleResult, ...]) -> list[str]:
    width = max((len(result.rule.id) for result in results), default=4)
    header = f"{'RULE':<{width}}  {'KIND':<10}  {'RESULT':<13}  {'CHECKS':>6}  FIXTURES"
    rows = [
        f"{r.rule.id:<{width}}  {r.rule.kind:<10}  {_status_text(r.status):<13}  {r.assertions:>6}  "
        f"{_fixture_list(r.fixtures)}"
        for r in results
    ]
    return [header, *rows]


def _status_text(status: Status) -> str:
    return status.upper() if status == Status.FAIL else status.value


def _fixture_list(fixtures: tuple[str, ...], limit: int = 3) -> str:
    shown = ", ".join(fixtures[:limit])
    return shown + (f" +{len(fixtures) - limit}" if len(fixtures) > limit else "")


def _shown_causes(report: Report) -> list[tuple[int, Any]]:
    return list(enumerate(report.causes, 1))[:MAX_CAUSES]


def _numbers(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers[:MAX_CAUSES])) + (f" and {len(numbers) - MAX_CAUSES} more" if len(numbers) > MAX_CAUSES else "")


def _failure_text(report: Report, result: RuleResult) -> Iterator[str]:
    yield from rule_header(result, INDENT, status_tag(result.status))
    yield from _failure_body(report, result, INDENT)
    yield ""


def _failure_body(report: Report, result: RuleResult, indent: str) -> Iterator[str]:
    """A rule's failures: those part of a cause by its number only, every other one told in full."""
    own = [(fixture_id, finding) for fixture_id, finding in result.findings if report.cause_of(fixture_id, finding) is None]
    numbers = cause_numbers(report, result)
    if numbers:
        yield f"{indent}{len(result.findings) - len(own)} failure(s) part of cause(s) {_numbers(numbers)} above"
    for fixture_id, finding in own[:MAX_FINDINGS]:
        yield from finding_lines(report, fixture_id, finding, indent)
    if len(own) > MAX_FINDINGS:
        yield f"{indent}... and {len(own) - MAX_FINDINGS} more failure(s) of this rule"


def _golden_text(report: Report) -> list[str]:
    lines = []
    for outcome in report.outcomes:
        golden = outcome.golden
        if golden is not None and not golden.matched:
            lines += [f"[GOLDEN] {outcome.fixture_id}: {golden.problem}", *([golden.diff] if golden.diff else []), ""]
        elif golden is not None and golden.updated:
            lines.append(f"[GOLDEN] {outcome.fixture_id}: golden file written: {golden.path}")
    return lines


def _notes_text(report: Report) -> list[str]:
    return [f"[NOTE] {outcome.fixture_id}: {note}" for outcome in report.outcomes for note in outcome.notes]


# --- Markdown ----------------------------------------------------------------------------------


def render_markdown(report: Report, command: str | None = None) -> str:
    lines = [
        "# Heap conformance report",
        "",
        *([f"Produced by `{command}`.", ""] if command else []),
        f"Forwarder under test: **{report.forwarder}**  ",
        f"Result: **{summary_line(report)}**",
        "",
        "| Rule | Kind | Result | Checks | Statement |",
        "|---|---|---|---:|---|",
    ]
    lines += [f"| `{r.rule.id}` | {r.rule.kind} | {_badge(r.status)} | {r.assertions} | {_cell(r.rule.statement)} |" for r in report.rules]
    if report.causes:
        lines += ["", "## Causes", "", "Each is one input the forwarder did not turn into Heap events, told once with the rules it fails."]
        for number, cause in _shown_causes(report):
            lines += ["", "```text", *cause_lines(report, number, cause, "  "), "```"]
        if len(report.causes) > MAX_CAUSES:
            lines += ["", f"... and {len(report.causes) - MAX_CAUSES} more cause(s): the JSON report (`--json`) lists them all."]
    failed = [result for result in report.rules if result.status in (Status.FAIL, Status.DIFFERS)]
    if failed:
        lines += ["", "## Failures"]
        for result in failed:
            differs = f" ({DIFFERS_NOTE})" if result.status == Status.DIFFERS else ""
            lines += ["", f"### `{result.rule.id}`: {result.rule.statement}{differs}", "", f"Reads: {_cell(result.rule.reads.text())}", "",
                      f"Source: {result.rule.source}", "", "```text"]
            lines += list(_failure_body(report, result, ""))
            lines.append("```")
    grouped = by_rule(report.warnings)
    if grouped:
        lines += ["", "## Warnings", "", "Accepted by the simulator, as by live Heap, but outside Heap's docs: fix before production."
                  + (" This run fails on them (`--fail-on-warnings`)." if report.fail_on_warnings else " They fail a run only with `--fail-on-warnings`."), ""]
        for rule_id, findings in grouped:
            lines += ["```text", *list(_warning_group(rule_id, findings, indent="  "))[:-1], "```", ""]
    lines += _fixtures_markdown(report)
    return "\n".join(lines) + "\n"


def _badge(status: Status) -> str:
    return {Status.PASS: "pass", Status.FAIL: "**FAIL**", Status.DIFFERS: "differs (convention)", Status.NOT_EXERCISED: "not exercised"}[status]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _fixtures_markdown(report: Report) -> list[str]:
    lines = ["", "## Fixtures", "", "| Fixture | Rules judged | Result | Golden | Real time | Simulated time |", "|---|---:|---|---|---:|---:|"]
    for outcome in report.outcomes:
        result = "pass" if all(check.passed for check in outcome.checks) else "**FAIL**"
        golden = "n/a" if outcome.golden is None else ("match" if outcome.golden.matched else "**missing**" if outcome.golden.missing else "**differs**")
        lines.append(f"| `{outcome.fixture_id}` | {len(outcome.checks)} | {result} | {golden} | {outcome.real_s:.2f} s | {outcome.simulated_s:.0f} s |")
    notes = _notes_text(report)
    return lines + (["", *[f"- {note}" for note in notes]] if notes else [])


# --- JUnit XML ---------------------------------------------------------------------------------


def render_junit(report: Report) -> str:
    """One testcase per rule (skipped when not exercised) and one per golden file."""
    cases = [_rule_case(report, result) for result in report.rules] + [_golden_case(outcome) for outcome in report.outcomes if outcome.golden]
    cases += [_warning_case(rule_id, findings, report.fail_on_warnings) for rule_id, findings in by_rule(report.warnings)]
    suite = ET.Element(
        "testsuite",
        name="heap-conformance",
        tests=str(len(cases)),
        failures=str(sum(1 for case in cases if case.find("failure") is not None)),
        skipped=str(sum(1 for case in cases if case.find("skipped") is not None)),
        time=f"{report.real_s:.3f}",
    )
    suite.extend(cases)
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _rule_case(report: Report, result: RuleResult) -> ET.Element:
    """A rule's testcase: its failures told as in the text report, with every cause they are part of in full."""
    case = ET.Element("testcase", classname=f"heap-conformance.{result.rule.kind}", name=result.rule.id)
    if result.status == Status.NOT_EXERCISED:
        ET.SubElement(case, "skipped", message="not exercised by any selected fixture")
        return case
    if result.status == Status.PASS:
        return case
    lines = list(_failure_text(report, result))
    for number in cause_numbers(report, result)[:MAX_FINDINGS]:
        lines += ["", *cause_lines(report, number, report.causes[number - 1], "  ")]
    if result.status == Status.FAIL:
        failure = ET.SubElement(case, "failure", message=f"{result.rule.id}: {len(result.findings)} failed expectation(s): {result.rule.statement}")
        failure.text = "\n".join(lines)
    else:
        ET.SubElement(case, "system-out").text = "\n".join([f"{result.rule.id} {DIFFERS_NOTE}", *lines])
    return case


def _warning_case(rule_id: str, findings: list[RequestWarningFinding], failing: bool) -> ET.Element:
    """One testcase per warned rule: a failure with --fail-on-warnings, else passed with the warning in its output."""
    case = ET.Element("testcase", classname="heap-conformance.fidelity_warnings", name=rule_id)
    text = "\n".join(_warning_group(rule_id, findings, indent="  "))
    if failing:
        ET.SubElement(case, "failure", message=f"{rule_id}: {findings[0].what_it_did}").text = text
    else:
        ET.SubElement(case, "system-out").text = text
    return case


def _golden_case(outcome: FixtureOutcome) -> ET.Element:
    golden = outcome.golden
    assert golden is not None
    case = ET.Element("testcase", classname="heap-conformance.golden", name=golden.fixture_id)
    if not golden.matched:
        failure = ET.SubElement(case, "failure", message=golden.problem)
        failure.text = golden.diff or golden.problem
    return case


# --- JSON ----------------------------------------------------------------------------------------


def report_json(report: Report) -> dict[str, Any]:
    """The report for CI tools: verdict, every rule's result, the causes, warnings (and more)."""
    return {
        "verdict": "conforms" if report.passed else "does_not_conform",
        "summary": summary_line(report),
        "forwarder": report.forwarder,
        "conventions_judged": report.conventions_judged,
        "rules": [rule_json(result, report) for result in report.rules],
        "causes": [cause_json(report, number, cause) for number, cause in enumerate(report.causes, 1)],
        "warnings": [_warning_json(finding) for finding in report.warnings],
        "golden": [_golden_json(outcome) for outcome in report.outcomes if outcome.golden is not None],
        "notes": [{"fixture": outcome.fixture_id, "note": note} for outcome in report.outcomes for note in outcome.notes],
        "fixtures": [_fixture_json(outcome) for outcome in report.outcomes],
    }


def render_json(report: Report) -> str:
    return json.dumps(report_json(report), indent=1, ensure_ascii=False, default=str) + "\n"


def _warning_json(finding: RequestWarningFinding) -> dict[str, Any]:
    return {
        "fixture": finding.fixture_id, "request": finding.request_id, "endpoint": finding.endpoint, "rule": finding.rule_id,
        "path": finding.json_path, "what": finding.what_it_did, "fact": finding.fact, "evidence": finding.evidence, "source": finding.source,
    }  # fmt: skip


def _golden_json(outcome: FixtureOutcome) -> dict[str, Any]:
    golden = outcome.golden
    assert golden is not None
    state = "match" if golden.matched else "missing" if golden.missing else "differs"
    return {"fixture": outcome.fixture_id, "result": state, "path": str(golden.path), "updated": golden.updated, "problem": golden.problem, "diff": golden.diff}


def _fixture_json(outcome: FixtureOutcome) -> dict[str, Any]:
    return {
        "id": outcome.fixture_id,
        "rules": [check.rule_id for check in outcome.checks],
        "passed": all(check.passed for check in outcome.checks),
        "real_s": round(outcome.real_s, 3),
        "simulated_s": round(outcome.simulated_s, 3),
    }
