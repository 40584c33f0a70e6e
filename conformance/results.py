"""The values a conformance run produces, from one failed expectation up to a whole report.

    Finding        one expectation that did not hold: expected, received, nearest requests
    CheckResult    one rule judged on one fixture (how many expectations, which failed)
    RuleResult     one rule over every fixture that exercised it: pass, fail or not exercised
    FixtureOutcome one fixture's run: its checks, how the forwarder exited, its golden comparison
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from conformance.rules import Kind, Rule
from conformance.warnings import RequestWarningFinding


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    DIFFERS = "differs"  # a convention not kept, reported without failing the run (conventions not judged)
    NOT_EXERCISED = "not exercised"


@dataclass(frozen=True)
class Finding:
    """One expectation that did not hold, with what would help someone fix it."""

    subject: str  # which mParticle event, batch or request it is about
    expected: str
    received: str
    nearest: tuple[str, ...] = ()  # the requests or events the simulator did get that come closest


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

    def fail(self, subject: str, expected: str, received: str, nearest: tuple[str, ...] | list[str] = ()) -> None:
        self.assertions += 1
        self.findings.append(Finding(subject, expected, received, tuple(nearest)))

    def expect(self, holds: bool, subject: str, expected: str, received: str, nearest: tuple[str, ...] | list[str] = ()) -> bool:
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
    """How the forwarder under test finished one batch."""

    batch_index: int
    ok: bool
    detail: str = ""  # the exception, or the exit status and the tail of stderr
    real_s: float = 0.0


@dataclass(frozen=True)
class GoldenComparison:
    fixture_id: str
    matched: bool
    diff: str = ""
    updated: bool = False


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

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks) and (self.golden is None or self.golden.matched)

    def check(self, rule_id: str) -> CheckResult | None:
        return next((check for check in self.checks if check.rule_id == rule_id), None)


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
