"""`heap-conformance`: run the fixtures through a forwarder against a fresh simulator and report per rule.

Exit status: 0 when every selected rule passes (and, for our own forwarder, every golden file
matches); 1 when any fails; 2 when the arguments or fixtures cannot be used. Conventions (our
choices where the seed is silent) count for our own forwarder; for any other they are reported as
"differs from heap-sim's convention" and count only with --conventions.

The fixtures are loaded, and so checked, before the simulator starts or any forwarder runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from conformance.fixtures import FIXTURES_DIR, Fixture, FixtureError, load_fixtures
from conformance.forwarders import (
    DEFAULT_COMMAND_TIMEOUT_S,
    DEFAULT_TIME_SCALE,
    CommandForwarder,
    ForwarderLoadError,
    ForwarderUnderTest,
    OurForwarder,
    load_callable,
)
from conformance.report import render_json, render_junit, render_markdown, render_text
from conformance.rules import CATALOGUE, Kind, Rule, UnknownRule, select_rules
from conformance.runner import ConformanceRunner, Report, SetupError, SimulatorLink
from heap_facts.entry import add_version_option, guarded
from heap_mock.server import HeapMockServer
from heap_mock.testing import MockClient

# A burst of 16,000 events is 16 requests, but a program that sends one event per request would
# be journaled request by request: keep room for every request of every fixture.
SIMULATOR_CONFIG = {"log_requests": False, "journal_limit": 200_000}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="heap-conformance",
        description="Check an mParticle-to-Heap forwarder against the documented rules, on a local Heap simulator.",
        epilog="Without --forwarder or --forwarder-cmd, our own forwarder (forwarder.Forwarder) is tested in-process.",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--forwarder-cmd", metavar="CMD", help="a program run once per batch: batch JSON on stdin, HEAP_* settings in the environment")
    which.add_argument("--forwarder", metavar="MODULE:FUNCTION", help="a Python callable function(batch, target), run in virtual time")
    parser.add_argument("--rules", metavar="ID,...", help="only these rule IDs (see --list-rules)")
    parser.add_argument("--kind", choices=[kind.value for kind in Kind], help="only the rules of this kind: documented (the seed and Heap's docs) or convention (ours)")
    parser.add_argument(
        "--conventions",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="let our conventions change the exit status and JUnit (default: only for our own forwarder; others see them reported)",
    )
    parser.add_argument(
        "--fixtures",
        metavar="DIR",
        type=Path,
        action="append",
        help="a folder of your own fixture files, run instead of the bundled ones (repeatable; the schema comes from the package)",
    )
    parser.add_argument("--bundled", action="store_true", help="with --fixtures: run the bundled fixtures as well")
    parser.add_argument("--junitxml", metavar="FILE", type=Path, help="also write JUnit XML, one testcase per rule")
    parser.add_argument("--report", metavar="FILE.md", type=Path, help="also write the report as Markdown")
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write the report as JSON for CI tools: verdict, rules, causes, warnings")
    parser.add_argument(
        "--keep-artifacts", metavar="DIR", type=Path,
        help="keep, per fixture, the batches given, the forwarder's output per batch and the simulator's journal in DIR/<fixture>/",
    )  # fmt: skip
    parser.add_argument(
        "--update-golden", action="store_true",
        help="write the golden files of the fixtures run from our forwarder's requests: each folder's golden/ (the bundled ones without --fixtures)",
    )  # fmt: skip
    parser.add_argument(
        "--time-scale", metavar="N", type=float, default=DEFAULT_TIME_SCALE, help=f"with --forwarder-cmd: simulated seconds per real second (default {DEFAULT_TIME_SCALE:g})"
    )
    parser.add_argument(
        "--timeout", metavar="SECONDS", type=float, default=DEFAULT_COMMAND_TIMEOUT_S,
        help=f"with --forwarder-cmd: per-batch time limit in real seconds (default {DEFAULT_COMMAND_TIMEOUT_S:g})",
    )  # fmt: skip
    parser.add_argument(
        "--fail-on-warnings", action="store_true",
        help="fail the run when the forwarder's requests drew simulator warnings (accepted like live Heap, outside Heap's docs)",
    )
    parser.add_argument("--list-rules", action="store_true", help="print the rule catalogue, with what each rule reads and the readings it accepts, and exit")
    add_version_option(parser)
    return parser


def parse_rules(parser: argparse.ArgumentParser, text: str | None) -> list[str] | None:
    if text is None:
        return None
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not ids:
        parser.error("--rules needs at least one rule ID")
    try:
        select_rules(ids)
    except UnknownRule as error:
        parser.error(str(error))
    return ids


def choose_forwarder(parser: argparse.ArgumentParser, args: argparse.Namespace) -> ForwarderUnderTest:
    if args.update_golden and (args.forwarder or args.forwarder_cmd):
        parser.error("--update-golden rewrites our own forwarder's golden files; it cannot be combined with --forwarder or --forwarder-cmd")
    if args.forwarder_cmd is not None:
        if not args.forwarder_cmd.strip():
            parser.error("--forwarder-cmd needs a command")
        if args.time_scale < 1:
            parser.error("--time-scale must be at least 1")
        return CommandForwarder(args.forwarder_cmd, time_scale=args.time_scale, timeout_s=args.timeout)
    if args.forwarder is not None:
        sys.path.insert(0, os.getcwd())  # so `--forwarder mymodule:forward` finds the user's own module
        try:
            return load_callable(args.forwarder)
        except ForwarderLoadError as error:
            parser.error(str(error))
    return OurForwarder()


def list_rules() -> str:
    return "\n".join(_rule_entry(rule) for rule in CATALOGUE)


def _rule_entry(rule: Rule) -> str:
    pad = " " * 36
    lines = [f"{rule.id:<24} {rule.kind:<10} {rule.statement}", f"{pad}reads: {rule.reads.text()}", f"{pad}source: {rule.source}"]
    return "\n".join(lines + ([f"{pad}accepts: {rule.readings}"] if rule.readings else []))


def fixture_dirs(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[Path]:
    """The folders to run: the bundled fixtures, a user's own, or both (--bundled)."""
    if not args.fixtures:
        if args.bundled:
            parser.error("--bundled goes with --fixtures DIR (the bundled fixtures already run by default)")
        return [FIXTURES_DIR]
    for folder in args.fixtures:
        if not folder.is_dir():
            parser.error(f"--fixtures {folder}: no such directory")
    return ([FIXTURES_DIR] if args.bundled else []) + list(args.fixtures)


def run(args: argparse.Namespace, forwarder: ForwarderUnderTest, rule_ids: list[str] | None, fixtures: list[Fixture]) -> Report:
    with HeapMockServer(config=SIMULATOR_CONFIG) as server:
        link = SimulatorLink(MockClient(server.url), server)
        runner = ConformanceRunner(link, update_golden=args.update_golden, artifacts_dir=args.keep_artifacts)
        kind = Kind(args.kind) if args.kind else None
        report = runner.run(forwarder, rule_ids, kind=kind, conventions=args.conventions, fixtures=fixtures)
        return dataclasses.replace(report, fail_on_warnings=args.fail_on_warnings)


def write_outputs(args: argparse.Namespace, report: Report, argv: Sequence[str]) -> None:
    if args.report is not None:
        args.report.write_text(render_markdown(report, shlex.join(["heap-conformance", *argv])))
    if args.junitxml is not None:
        args.junitxml.write_text(render_junit(report))
    if args.json is not None:
        args.json.write_text(render_json(report))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if args.list_rules:
        print(list_rules())
        return 0
    rule_ids = parse_rules(parser, args.rules)
    forwarder = choose_forwarder(parser, args)
    folders = fixture_dirs(parser, args)
    try:
        fixtures = load_fixtures(folders)  # every fixture checked before anything runs
        report = run(args, forwarder, rule_ids, fixtures)
    except (FixtureError, SetupError) as error:
        print(f"heap-conformance: {error}", file=sys.stderr)
        return 2
    print(render_text(report))
    write_outputs(args, report, argv)
    return 0 if report.passed else 1


run_cli = guarded(main, "heap-conformance")  # the console script: no traceback on Ctrl-C or a closed pipe

if __name__ == "__main__":
    sys.exit(run_cli())
