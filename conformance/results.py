"""The values a conformance run produces, from one failed expectation up to a whole report.

    Subject        what a finding is about: a label, and the batch and event it points to
    Finding        one expectation that did not hold: expected, received, nearest requests
    CheckResult    one rule judged on one fixture (how many expectations, which failed)
    InputView      the mParticle input a finding or cause is about, as the fixture gave it
    Cause          one input that produced no Heap event at all, or a refused request: one
                   reason behind failures of several rules, reported once
    RuleResult     one rule over every fixture that exercised it: pass, fail or not exercised
    FixtureOutcome one fixture's run: its checks, how the forwarder exited (its output per batch),
                   its golden comparison, its causes and the inputs its findings point to
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from conformance.fidelity_warnings import RequestWarningFinding
from conformance.inputs import UnusualInput
from conformance.rules import Kind, Rule

Location = tuple[int, int | None]  # (batch index, event index or None for the batch as a whole)


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    DIFFERS = "differs"  # a convention not kept, reported without failing the run (conventions not judged)
    NOT_EXERCISED = "not exercised"


@dataclass(frozen=True)
class Subject:
    """What an expectation is about: a label for the reader, and the input it points to, if any."""

    label: str
    batch: int | None = None
    event: int | None = None

    def about(self, detail: str) -> Subject:
        """The same input, with a detail added to the label (`batch 0 event 2 (...), item 1`)."""
        return Subject(f"{self.label}, {detail}", self.batch, self.event)


@dataclass(frozen=True)
class Finding:
    """One expectation that did not hold, with what would help someone fix it."""

    subject: str  # which mParticle event, batch or request it is about
    expected: str
    received: str
    nearest: tuple[str, ...] = ()  # the requests or events the simulator did get that come closest
    batch: int | None = None  # the batch (and event) of the fixture it is about, when it is about one
    event: int | None = None

    @property
    def location(self) -> Location | None:
        return None if self.batch is None else (self.batch, self.event)


@dataclass(frozen=True)
class CheckResult:
    rule_id: str
    fixture_id: str
    assertions: int
    findings: tuple[Finding, ...] = ()

    @property
    def exercised(self) -> bool:
        return self.assertions > 0 or bool(self.findings)

    @property
    def passed(self) -> bool:
        return not self.findings


class Verdict:
    """Collects one check's expectations while it runs; `result()` freezes them."""

    def __init__(self, rule_id: str, fixture_id: str) -> None:
        self.rule_id, self.fixture_id = rule_id, fixture_id
        self.assertions = 0
        self.findings: list[Finding] = []

    def ok(self, count: int = 1) -> None:
        self.assertions += count

    def fail(self, subject: str | Subject, expected: str, received: str, nearest: tuple[str, ...] | list[str] = ()) -> None:
        self.assertions += 1
        about = subject if isinstance(subject, Subject) else Subject(subject)
        self.findings.append(Finding(about.label, expected, received, tuple(nearest), about.batch, about.event))

    def expect(
        self, holds: bool, subject: str | Subject, expected: str, received: str, nearest: tuple[str, ...] | list[str] = ()
    ) -> bool:
        """Record one expectation; returns whether it held, so callers can stop early."""
        if holds:
            self.ok()
        else:
            self.fail(subject, expected, received, nearest)
        return holds

    def result(self) -> CheckResult:
        return CheckResult(self.rule_id, self.fixture_id, self.assertions, tuple(self.findings))


@dataclass(frozen=True)
class BatchDelivery:
    """How the forwarder under test finished one batch, with what a program printed doing it."""

    batch_index: int
    ok: bool
    detail: str = ""  # the exception, or the exit status and the tail of stderr
    real_s: float = 0.0
    exit: int | None = None  # a program's exit status (None: in-process, or it could not be run)
    stdout: str = ""  # a program's output, its tail when long (forwarders.OUTPUT_LIMIT)
    stderr: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"exit": self.exit, "stdout": self.stdout, "stderr": self.stderr, "ok": self.ok, "detail": self.detail}


@dataclass(frozen=True)
class GoldenComparison:
    """One fixture's golden file against our forwarder's requests: matched, differs, missing, or (re)written."""

    fixture_id: str
    matched: bool
    diff: str = ""
    updated: bool = False
    path: Path | None = None  # the golden file
    missing: bool = False  # no golden file yet: nothing to compare with, which is not a difference
    update_command: str = "heap-conformance --update-golden"  # what writes this fixture's golden files

    @property
    def problem(self) -> str:
        """One line for a report: what is wrong and the command that fixes it ("" when it matched)."""
        if self.matched:
            return ""
        if self.missing:
            return f"no golden file {self.path}: write it with `{self.update_command}`"
        return f"our forwarder's requests differ from {self.path} (after an intended change: `{self.update_command}`)"


@dataclass(frozen=True)
class InputView:
    """The mParticle input a finding or cause is about: the event as the fixture gave it, the batch
    fields that decide how it is forwarded (identities, platform, and those the rules read), the
    connection settings, and any unusual input shape in it with the fixture's provenance."""

    batch: int
    event: int | None
    data: dict[str, Any]  # {"batch": {...}, "event": {...} or "events": [...], "settings": {...}}
    unusual: tuple[UnusualInput, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {**self.data, "unusual_inputs": [unusual.as_json() for unusual in self.unusual]}


@dataclass(frozen=True)
class Cause:
    """One input that produced no Heap event at all (`no_heap_event`), or whose only requests Heap
    refused (`refused`): the single reason behind failures of several rules, reported once."""

    kind: str
    fixture_id: str
    batch: int
    event: int | None  # None: the whole batch
    summary: str
    expected: str
    received: str
    evidence: tuple[str, ...]
    covers: frozenset[Location]  # the inputs whose findings this cause explains
    rules: tuple[str, ...] = ()  # the rules it fails, filled in once every rule is judged

    @property
    def location(self) -> Location:
        return (self.batch, self.event)

    def explains(self, fixture_id: str, finding: Finding) -> bool:
        return fixture_id == self.fixture_id and finding.location is not None and finding.location in self.covers


@dataclass(frozen=True)
class FixtureOutcome:
    fixture_id: str
    checks: tuple[CheckResult, ...]
    deliveries: tuple[BatchDelivery, ...] = ()
    golden: GoldenComparison | None = None
    real_s: float = 0.0
    simulated_s: float = 0.0
    notes: tuple[str, ...] = ()
    warnings: tuple[RequestWarningFinding, ...] = ()  # accepted, but outside Heap's docs
    causes: tuple[Cause, ...] = ()  # candidates: kept in a report when a failing rule's finding is theirs
    inputs: dict[Location, InputView] = field(default_factory=dict)  # for every location a finding or cause points to

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks) and (self.golden is None or self.golden.matched)

    def check(self, rule_id: str) -> CheckResult | None:
        return next((check for check in self.checks if check.rule_id == rule_id), None)

    def delivery(self, batch_index: int) -> BatchDelivery | None:
        """How the forwarder finished a batch (its first delivery, when the fixture delivers twice)."""
        return next((delivery for delivery in self.deliveries if delivery.batch_index == batch_index), None)


@dataclass(frozen=True)
class RuleResult:
    """One rule judged over every fixture that exercised it."""

    rule: Rule
    status: Status
    fixtures: tuple[str, ...] = ()  # fixtures where it was exercised
    assertions: int = 0
    findings: tuple[tuple[str, Finding], ...] = field(default=())  # (fixture id, finding)


def rule_results(rules: tuple[Rule, ...], outcomes: list[FixtureOutcome], *, conventions: bool = True) -> tuple[RuleResult, ...]:
    """Fold per-fixture checks into one result per rule, in catalogue order.

    With `conventions` off, a convention that does not hold is DIFFERS, not FAIL: reported, but
    another team's forwarder is judged on what the seed decides alone.
    """
    return tuple(_fold(rule, outcomes, conventions) for rule in rules)


def _fold(rule: Rule, outcomes: list[FixtureOutcome], conventions: bool) -> RuleResult:
    checks = [check for outcome in outcomes for check in outcome.checks if check.rule_id == rule.id and check.exercised]
    if not checks:
        return RuleResult(rule, Status.NOT_EXERCISED)
    findings = tuple((check.fixture_id, finding) for check in checks for finding in check.findings)
    judged = conventions or rule.kind == Kind.DOCUMENTED
    status = (Status.FAIL if judged else Status.DIFFERS) if findings else Status.PASS
    return RuleResult(rule, status, tuple(check.fixture_id for check in checks), sum(c.assertions for c in checks), findings)
