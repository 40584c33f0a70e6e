"""Running fixtures through a forwarder against the simulator, and judging what it received.

For each fixture: reset the simulator, put its clock at `EPOCH` in virtual time (or scaled, for a
program that sleeps for real), add the fixture's faults, hand the batches to the forwarder, then
read the simulator's events, users and journal once and run the fixture's rules on them. Then the
causes (conformance/causes.py) and the inputs every finding points to are worked out while the
context is at hand, and with `artifacts_dir` the batches, the forwarder's output per batch and the
simulator's journal are kept for the fixture (conformance/artifacts.py).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.artifacts import write_artifacts
from conformance.causes import find_causes, input_views, reported
from conformance.checks import judge
from conformance.context import Context, build_context
from conformance.fidelity_warnings import RequestWarningFinding, warnings_in
from conformance.fixtures import FIXTURES_DIR, Fixture, load_fixtures
from conformance.forwarders import ForwarderUnderTest, Target
from conformance.golden import compare_golden, update_command
from conformance.received import HeapReceived, parse_instant
from conformance.results import BatchDelivery, Cause, CheckResult, FixtureOutcome, RuleResult, rule_results
from conformance.rules import CATALOGUE, Kind, Rule, select_rules
from heap_facts.limits import limits_table
from heap_facts.times import SUITE_START
from heap_mock.server import HeapMockServer
from heap_mock.testing import MockClient
from http_layer.servers import ServerName

EPOCH = SUITE_START  # the same start as the heap_mock pytest plugin's clock
DOCUMENTED_LIMITS = limits_table()


class SetupError(RuntimeError):
    """The simulator is not set up the way conformance needs (e.g. its limits are off or changed)."""


# The suite's simulator runs on waitress, not on granian as `heap-mock serve` does: a dropped
# connection (the faults_5xx_and_drops fixture) must look as a dying server looks, closed before
# any answer, and only waitress lets the simulator close a client's socket; under granian the
# answer can only be cut short after its headers.
SIMULATOR_SERVER: ServerName = "waitress"

class SimulatorLink:
    """The simulator the suite talks to: over HTTP always, and in-process when we started it (faster clock)."""

    def __init__(self, client: MockClient, server: HeapMockServer | None = None) -> None:
        self.client, self.server = client, server

    @property
    def url(self) -> str:
        return self.client.url

    def now(self) -> float:
        if self.server is not None:
            return self.server.simulator.clock.now()
        return parse_instant(self.client.clock()["now"])

    def advance(self, seconds: float) -> None:
        """A virtual-time sleep: the clock moves, nobody waits."""
        if seconds <= 0:
            return
        if self.server is not None:
            self.server.simulator.clock.advance(seconds)
        else:
            self.client.advance(seconds)

    def check_setup(self) -> None:
        config = self.client.config()
        limits = {name: {"limit": spec["limit"], "window_s": float(spec["window_s"])} for name, spec in config["limits"].items()}
        if not config.get("limits_enabled") or limits != DOCUMENTED_LIMITS:
            raise SetupError(f"the simulator must enforce Heap's documented limits {DOCUMENTED_LIMITS}; it has {limits}")
        if config.get("long_values") != "reject":
            raise SetupError("the simulator must reject over-long values (long_values: reject), as Heap documents")


@dataclass(frozen=True)
class Report:
    """One conformance run: the forwarder, every selected rule's result, and each fixture's outcome."""

    forwarder: str
    rules: tuple[RuleResult, ...]
    outcomes: tuple[FixtureOutcome, ...]
    real_s: float
    conventions_judged: bool = True
    fail_on_warnings: bool = False  # warnings are findings; they fail the run only when asked

    @property
    def warnings(self) -> tuple[RequestWarningFinding, ...]:
        return tuple(warning for outcome in self.outcomes for warning in outcome.warnings)

    @functools.cached_property
    def causes(self) -> tuple[Cause, ...]:
        """The causes behind failing rules, each once with the rules it fails (none when every rule passes)."""
        return reported(self.rules, self.outcomes)

    def cause_of(self, fixture_id: str, finding: Any) -> tuple[int, Cause] | None:
        """The cause (numbered from 1, as the reports print them) a finding is part of, if any."""
        return next(((number, cause) for number, cause in enumerate(self.causes, 1) if cause.explains(fixture_id, finding)), None)

    def outcome(self, fixture_id: str) -> FixtureOutcome | None:
        return next((outcome for outcome in self.outcomes if outcome.fixture_id == fixture_id), None)

    @property
    def passed(self) -> bool:
        rules_ok = all(result.status != "fail" for result in self.rules)
        golden_ok = all(outcome.golden is None or outcome.golden.matched for outcome in self.outcomes)
        return rules_ok and golden_ok and not (self.fail_on_warnings and self.warnings)


class ConformanceRunner:
    def __init__(
        self,
        link: SimulatorLink,
        *,
        fixtures_dir: Path | list[Path] = FIXTURES_DIR,
        golden_dir: Path | None = None,
        update_golden: bool = False,
        artifacts_dir: Path | None = None,
    ) -> None:
        """`golden_dir` None: each fixture's golden file sits in `golden/` beside it (bundled ones always have one).
        `artifacts_dir`: keep each fixture's batches, forwarder output and journal there, for a CI job to upload."""
        self.link = link
        self.fixtures_dir, self.golden_dir = fixtures_dir, golden_dir
        self.update_golden = update_golden
        self.artifacts_dir = artifacts_dir

    def run(
        self,
        forwarder: ForwarderUnderTest,
        rule_ids: list[str] | None = None,
        fixture_ids: list[str] | None = None,
        *,
        kind: Kind | None = None,
        conventions: bool | None = None,
        fixtures: list[Fixture] | None = None,
    ) -> Report:
        """Every fixture that exercises a selected rule, then one result per selected rule.

        `conventions` says whether our conventions count towards the verdict; by default they do
        for our own forwarder only (see `judges_conventions`). `fixtures`: already loaded (and so
        checked) ones, instead of loading them here.
        """
        started = time.perf_counter()
        rules = select_rules(rule_ids, kind)
        fixtures = selected_fixtures(fixtures if fixtures is not None else self.load(fixture_ids), rules)
        self.link.check_setup()
        outcomes = [self.run_fixture(fixture, forwarder, rules) for fixture in fixtures]
        judged = judges_conventions(forwarder, conventions)
        return Report(forwarder.name, rule_results(rules, outcomes, conventions=judged), tuple(outcomes), time.perf_counter() - started, judged)

    def load(self, fixture_ids: list[str] | None = None) -> list[Fixture]:
        return load_fixtures(self.fixtures_dir, fixture_ids)

    def run_fixture(self, fixture: Fixture, forwarder: ForwarderUnderTest, rules: Iterable[Rule] | None = None) -> FixtureOutcome:
        started = time.perf_counter()
        scale = forwarder.time_scale
        self._prepare(fixture, scale)
        deliveries = self._deliver(fixture, forwarder, scale)
        simulated_s = self.link.now() - parse_instant(EPOCH)
        heap = HeapReceived.read(self.link.client, scale)
        if self.artifacts_dir is not None:
            write_artifacts(self.artifacts_dir / fixture.id, fixture, deliveries, self.link.client.requests())
        ctx = build_context(fixture, heap)
        checks = self._judge(fixture, ctx, rules)
        causes = find_causes(ctx) if any(not check.passed for check in checks) else ()
        golden = None
        golden_dir = self.golden_dir or fixture.golden_dir
        if forwarder.is_ours and fixture.golden and (self.update_golden or golden_dir.is_dir()):
            command = update_command(fixture.path.parent, bundled=fixture.path.parent == FIXTURES_DIR)
            golden = compare_golden(fixture.id, heap, update=self.update_golden, directory=golden_dir, command=command)
        notes = _notes(fixture, deliveries, heap, self.link.client)
        warnings = warnings_in(fixture.id, heap.journal)
        return FixtureOutcome(
            fixture.id, checks, tuple(deliveries), golden, time.perf_counter() - started, simulated_s, notes, warnings,
            causes, input_views(ctx, checks, causes),
        )  # fmt: skip

    def _prepare(self, fixture: Fixture, scale: float) -> None:
        """Reset, set the clock, add the fixture's faults."""
        client = self.link.client
        client.reset()
        client.set_clock(EPOCH)
        for fault in fixture.faults:
            client.add_fault(**fault.control_body(scale))

    def _deliver(self, fixture: Fixture, forwarder: ForwarderUnderTest, scale: float) -> list[BatchDelivery]:
        target = Target(self.link.url, fixture.settings, self.link.now, self._sleeper(scale), scale)
        delivery = forwarder.open(target)
        if scale > 0:
            self.link.client.scale_time(scale)
        results: list[BatchDelivery] = []
        try:
            for _ in range(fixture.deliveries):
                results += delivery.deliver(list(fixture.batches), 0)
        finally:
            if scale > 0:
                self.link.client.advance(0)  # freeze the clock where the program left it
        return results

    def _sleeper(self, scale: float) -> Any:
        if scale > 0:
            return lambda seconds: time.sleep(max(0.0, seconds) / scale)
        return self.link.advance

    @staticmethod
    def _judge(fixture: Fixture, ctx: Context, rules: Iterable[Rule] | None) -> tuple[CheckResult, ...]:
        """The fixture's rules (or those of `rules` it is judged on) on its context.

        A fixture whose rules are derived is judged on every rule, and keeps those its batches gave
        something to judge: the checks themselves decide which rules apply to it.
        """
        wanted = {rule.id for rule in rules} if rules is not None else None
        judged = [rule.id for rule in CATALOGUE if fixture.judges(rule.id) and (wanted is None or rule.id in wanted)]
        results = [judge(rule_id, ctx).result() for rule_id in judged]
        return tuple(result for result in results if result.exercised or not fixture.derived_rules)


def judges_conventions(forwarder: ForwarderUnderTest, asked: bool | None) -> bool:
    """Whether conventions change the verdict: when asked, else for our own forwarder, whose conventions they are."""
    return forwarder.is_ours if asked is None else asked


def selected_fixtures(fixtures: list[Fixture], rules: tuple[Rule, ...]) -> list[Fixture]:
    """The fixtures that exercise at least one of `rules`."""
    return [fixture for fixture in fixtures if any(fixture.judges(rule.id) for rule in rules)]


def _notes(fixture: Fixture, deliveries: list[BatchDelivery], heap: HeapReceived, client: MockClient) -> tuple[str, ...]:
    notes = []
    if not fixture.may_fail:
        notes += [f"batch {d.batch_index}: the forwarder reported a failure ({d.detail})" for d in deliveries if not d.ok][:5]
    total = client.health()["counts"]["requests"]
    if total > len(heap.journal):
        notes.append(f"the simulator's journal kept {len(heap.journal)} of {total} requests; raise journal_limit")
    return tuple(notes)
