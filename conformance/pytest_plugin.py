"""pytest fixtures for running the conformance suite from your own tests (a `pytest11` plugin).

It builds on the heap_mock plugin: `heap_mock_server` is one simulator per test session, so one
per xdist worker, and the harness resets it before every fixture it runs, so tests never see each
other's traffic. Parametrize over `fixture_ids()` for one deterministic test per fixture:

    import pytest
    from conformance.pytest_plugin import fixture_ids

    @pytest.mark.parametrize("fixture_id", fixture_ids())
    def test_my_forwarder(heap_conformance, fixture_id):
        heap_conformance.assert_conforms(fixture_id, forwarder="my_package.heap:forward")

Which forwarder runs: none named, our own (forwarder.Forwarder, in-process); `forwarder=` a Python
callable, run in virtual time (it must wait with `target.sleep`); `forwarder_cmd=` any program,
run once per batch as `heap-conformance --forwarder-cmd` runs it, the simulator's clock running
`time_scale` times faster than real time. A program wrapped in a Python callable would sleep in
real time while the virtual clock stands still, and fail the timing rules: give it as
`forwarder_cmd=`.

The fixture is named `heap_conformance` rather than `conformance` so that it does not shadow the
`conformance` package in test modules that import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.fixtures import FIXTURES_DIR, Fixture, fixture_paths, load_fixtures
from conformance.forwarders import (
    DEFAULT_COMMAND_TIMEOUT_S,
    DEFAULT_TIME_SCALE,
    CallableForwarder,
    CommandForwarder,
    ForwarderUnderTest,
    ForwardFunction,
    OurForwarder,
    load_callable,
)
from conformance.report import render_text
from conformance.results import FixtureOutcome, rule_results
from conformance.rules import Kind, select_rules
from conformance.runner import ConformanceRunner, Report, SimulatorLink, judges_conventions
from heap_mock.server import HeapMockServer
from heap_mock.testing import MockClient

ForwarderSpec = ForwarderUnderTest | ForwardFunction | str | None


def fixture_ids(directory: Path = FIXTURES_DIR) -> list[str]:
    """Every fixture's ID in name order: use it to parametrize, so test IDs are the same on every worker."""
    return [path.stem for path in fixture_paths(directory)]


@dataclass(frozen=True)
class Program:
    """`forwarder_cmd=`: a program run once per batch, as `heap-conformance --forwarder-cmd` runs it."""

    command: str
    time_scale: float = DEFAULT_TIME_SCALE
    timeout_s: float = DEFAULT_COMMAND_TIMEOUT_S

    def forwarder(self) -> CommandForwarder:
        if not self.command.strip():
            raise ValueError("forwarder_cmd needs a command")
        if self.time_scale < 1:
            raise ValueError("time_scale must be at least 1, as --time-scale")
        return CommandForwarder(self.command, time_scale=self.time_scale, timeout_s=self.timeout_s)


def as_forwarder(spec: ForwarderSpec, program: Program | None = None) -> ForwarderUnderTest:
    """None for ours, a `module:function` string, a plain function(batch, target), or a ready
    ForwarderUnderTest; or, with `program`, that program (`spec` must then be None)."""
    if program is not None:
        if spec is not None:
            raise ValueError("give forwarder= or forwarder_cmd=, not both")
        return program.forwarder()
    if spec is None:
        return OurForwarder()
    if isinstance(spec, str):
        return load_callable(spec)
    if isinstance(spec, (OurForwarder, CallableForwarder, CommandForwarder)):
        return spec
    if callable(spec):
        return CallableForwarder(spec)
    return spec


@dataclass
class ConformanceHarness:
    """Runs fixtures through a forwarder against this worker's simulator."""

    runner: ConformanceRunner
    fixtures_dir: Path = FIXTURES_DIR

    def fixture(self, fixture_id: str) -> Fixture:
        return load_fixtures(self.fixtures_dir, [fixture_id])[0]

    def use_fixtures(self, directory: Path) -> ConformanceHarness:
        """Run your own fixture folder from now on (the schema stays the package's); returns the harness."""
        self.fixtures_dir = self.runner.fixtures_dir = directory
        return self

    def run_fixture(
        self,
        fixture_id: str,
        forwarder: ForwarderSpec = None,
        rules: list[str] | None = None,
        *,
        forwarder_cmd: str | None = None,
        time_scale: float = DEFAULT_TIME_SCALE,
        timeout_s: float = DEFAULT_COMMAND_TIMEOUT_S,
    ) -> FixtureOutcome:
        """One fixture's outcome: its rules judged (or only `rules`), and the golden file for ours.
        `forwarder_cmd`, `time_scale` and `timeout_s` as the CLI's --forwarder-cmd, --time-scale and --timeout."""
        under_test = as_forwarder(forwarder, Program(forwarder_cmd, time_scale, timeout_s) if forwarder_cmd is not None else None)
        return self.runner.run_fixture(self.fixture(fixture_id), under_test, select_rules(rules) if rules else None)

    def run(
        self,
        forwarder: ForwarderSpec = None,
        rules: list[str] | None = None,
        fixtures: list[str] | None = None,
        *,
        kind: Kind | None = None,
        conventions: bool | None = None,
        forwarder_cmd: str | None = None,
        time_scale: float = DEFAULT_TIME_SCALE,
        timeout_s: float = DEFAULT_COMMAND_TIMEOUT_S,
    ) -> Report:
        """A whole report, as `heap-conformance` prints it; `conventions` as its --conventions (default: ours only)."""
        under_test = as_forwarder(forwarder, Program(forwarder_cmd, time_scale, timeout_s) if forwarder_cmd is not None else None)
        return self.runner.run(under_test, rules, fixtures, kind=kind, conventions=conventions)

    def assert_conforms(
        self,
        fixture_id: str,
        forwarder: ForwarderSpec = None,
        rules: list[str] | None = None,
        *,
        conventions: bool | None = None,
        fail_on_warnings: bool = False,
        forwarder_cmd: str | None = None,
        time_scale: float = DEFAULT_TIME_SCALE,
        timeout_s: float = DEFAULT_COMMAND_TIMEOUT_S,
    ) -> FixtureOutcome:
        """Run one fixture and fail the test with the full per-rule report if any judged rule (or golden file) fails,
        or, with `fail_on_warnings`, if its requests drew simulator warnings.

        Conventions count for our forwarder, or when `conventions` is True; otherwise they are only reported.
        `forwarder_cmd` runs a program instead, with `time_scale` and `timeout_s` as the CLI's options.
        """
        under_test = as_forwarder(forwarder, Program(forwarder_cmd, time_scale, timeout_s) if forwarder_cmd is not None else None)
        outcome = self.run_fixture(fixture_id, under_test, rules)
        chosen = select_rules(rules) if rules else select_rules([check.rule_id for check in outcome.checks])
        judged = judges_conventions(under_test, conventions)
        report = Report(
            under_test.name, rule_results(chosen, [outcome], conventions=judged), (outcome,), outcome.real_s, judged, fail_on_warnings
        )
        if not report.passed:
            pytest.fail(render_text(report), pytrace=False)
        return outcome


@pytest.fixture
def heap_conformance(heap_mock_server: HeapMockServer) -> ConformanceHarness:
    """A conformance harness on this worker's simulator (reset before each fixture it runs)."""
    link = SimulatorLink(MockClient(heap_mock_server.url), heap_mock_server)
    link.check_setup()
    return ConformanceHarness(ConformanceRunner(link))
