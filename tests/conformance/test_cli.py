"""`heap-conformance`: exit 0 only when every selected rule passes, a per-rule table, Markdown and
JUnit outputs, and argparse errors that exit 2 with a message, never a traceback."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.cli import main

BROKEN = "tests.conformance.broken"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--rules", "NOT-A-RULE"], "unknown rule ID(s): NOT-A-RULE"),
        (["--rules", " , "], "--rules needs at least one rule ID"),
        (["--forwarder", "x:y", "--forwarder-cmd", "prog"], "not allowed with argument"),
        (["--forwarder", "no_colon"], "should be module:function"),
        (["--forwarder", "no_such_module_here:forward"], "cannot import 'no_such_module_here'"),
        (["--forwarder", f"{BROKEN}:nothing_here"], "has no callable 'nothing_here'"),
        (["--forwarder-cmd", "prog", "--update-golden"], "--update-golden rewrites our own"),
        (["--forwarder-cmd", "prog", "--time-scale", "0.5"], "--time-scale must be at least 1"),
        (["--fixtures", "/no/such/dir"], "no such directory"),
        (["--time-scale", "fast"], "invalid float value"),
    ],
    ids=["unknown-rule", "empty-rules", "two-forwarders", "bad-spec", "no-module", "no-function", "golden-other", "slow-scale", "no-dir", "bad-float"],
)
def test_unusable_arguments_exit_2_with_a_message(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, _, err = run_cli(capsys, *argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_list_rules_prints_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "--list-rules")
    assert code == 0
    assert "COMMERCE-ONE-REQUEST" in out and "Each main and all sub events are sent" in out


def test_a_passing_run_exits_0_and_writes_markdown_and_junit(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    report, junit = tmp_path / "report.md", tmp_path / "junit.xml"
    code, out, _ = run_cli(capsys, "--rules", "MAP-SCREEN-NAME,MAP-SESSION", "--report", str(report), "--junitxml", str(junit))
    assert code == 0, out
    assert "MAP-SCREEN-NAME" in out and "CONFORMS: 2 passed, 0 failed" in out
    assert "| `MAP-SESSION` | documented | pass |" in report.read_text()
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "0"
    assert {case.get("name") for case in suite.iter("testcase")} >= {"MAP-SCREEN-NAME", "MAP-SESSION"}


def test_a_failing_forwarder_exits_1_naming_the_rule_with_expected_received_and_nearest(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    code, out, _ = run_cli(capsys, "--forwarder", f"{BROKEN}:wrong_screen_names", "--rules", "MAP-SCREEN-NAME,MAP-SCREEN-PROPERTY", "--junitxml", str(junit))
    assert code == 1
    assert "[FAIL] MAP-SCREEN-NAME" in out
    assert "expected: exactly 1 Heap event named 'Viewed: Home'" in out
    assert "received: 1 Heap event(s): 1× 'Home'" in out
    assert "nearest received:" in out and "POST /api/track -> 200" in out
    assert "DOES NOT CONFORM: 1 passed, 1 failed" in out
    failures = [case.get("name") for case in ET.parse(junit).getroot().iter("testcase") if case.find("failure") is not None]
    assert failures == ["MAP-SCREEN-NAME"]



def test_help_gives_the_default_of_every_option_that_has_one() -> None:
    from conformance.cli import build_parser

    actions = [action for action in build_parser()._actions if action.option_strings and action.default not in (None, False, "==SUPPRESS==")]
    assert {action.dest for action in actions} >= {"time_scale", "timeout"}
    assert [action.dest for action in actions if "default" not in (action.help or "")] == []


def test_the_readme_names_every_variable_a_program_is_given() -> None:
    from conformance.fixtures import ForwarderSettings
    from conformance.forwarders import Target, command_environment

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    paragraph = readme.split("**Any program** (`--forwarder-cmd`)", 1)[1].split("with the batch JSON on stdin and", 1)[1]
    listed = re.split(r"in its\s+environment", paragraph, maxsplit=1)[0]
    given = command_environment(Target("http://127.0.0.1:1", ForwarderSettings("1"), lambda: 0.0, lambda seconds: None))
    assert [name for name in given if f"`{name}`" not in listed] == [], "the list of variables the README gives a program"
