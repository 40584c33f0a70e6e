"""A team's own fixtures: a folder of fixture files alone (the schema comes from the package), run
alone or beside the bundled ones; a bad file stops the run naming the file and the JSON path."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.pytest_plugin import ConformanceHarness, fixture_ids
from tests.conformance.test_cli import run_cli

ROOT = Path(__file__).resolve().parents[2]
COMMAND = Path(sys.executable).parent / "heap-conformance"


def readme_fixture() -> str:
    """The example fixture the README shows under "Your own fixtures"."""
    section = ROOT.joinpath("README.md").read_text().split("### Your own fixtures", 1)[1]
    found = re.search(r"```json\n(.*?)```", section, re.DOTALL)
    assert found is not None
    return found.group(1)


def conformance(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """`heap-conformance` as a user runs it: the console script, from their own directory."""
    return subprocess.run([COMMAND, *argv], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def mine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "my-fixtures"
    folder.mkdir()
    (folder / "checkout.json").write_text(readme_fixture())
    monkeypatch.chdir(tmp_path)
    return folder


def test_the_readme_fixture_runs_alone_from_any_directory(mine: Path) -> None:
    done = conformance(mine.parent, "--fixtures", "my-fixtures")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "CONFORMS: 5 passed, 0 failed" in done.stdout and "(1 fixtures," in done.stdout
    assert "checkout" in done.stdout and "golden" not in done.stdout.lower()


def test_own_fixtures_beside_the_bundled_ones(mine: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "--fixtures", "my-fixtures", "--bundled", "--rules", "MAP-SCREEN-NAME")
    assert code == 0, out + err
    row = next(line for line in out.splitlines() if line.startswith("MAP-SCREEN-NAME"))
    assert "screen_views" in row and "checkout" in row


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda doc: doc["settings"].update(app_id="not-a-number"), r"checkout\.json: does not match the fixture schema:\n  \$\.settings\.app_id: "),
        (lambda doc: doc["batches"][0]["events"][1].pop("event_type"), r"\$\.batches\[0\]\.events\[1\]: 'event_type' is a required property"),
        (lambda doc: doc["rules"].append("NOT-A-RULE"), r"\$\.rules\[5\]: unknown rule ID 'NOT-A-RULE'"),
    ],
    ids=["bad-setting", "missing-event-type", "unknown-rule"],
)
def test_an_invalid_fixture_exits_2_naming_the_file_and_the_json_path(mine: Path, change: object, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    document = json.loads(readme_fixture())
    change(document)  # type: ignore[operator]
    (mine / "checkout.json").write_text(json.dumps(document))
    code, out, err = run_cli(capsys, "--fixtures", "my-fixtures")
    assert code == 2 and out == "", out + err
    assert re.search(message, err), err


def test_a_file_that_is_not_json_and_a_clashing_id_exit_2(mine: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (mine / "broken.json").write_text("{not json")
    code, _, err = run_cli(capsys, "--fixtures", "my-fixtures")
    assert code == 2 and "broken.json: cannot read fixture" in err
    (mine / "broken.json").unlink()
    (mine / "sessions.json").write_text(readme_fixture())
    code, _, err = run_cli(capsys, "--fixtures", "my-fixtures", "--bundled")
    assert code == 2 and "fixture ID 'sessions' is also" in err, err


def test_the_pytest_plugin_runs_own_fixtures(mine: Path, heap_conformance: ConformanceHarness) -> None:
    assert fixture_ids(mine) == ["checkout"]
    outcome = heap_conformance.use_fixtures(mine).assert_conforms("checkout")
    assert outcome.golden is None and len(outcome.checks) == 5


def test_a_fixture_with_an_event_type_mparticle_lacks_stops_the_run_before_anything_runs(
    mine: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    document = json.loads(readme_fixture())
    document["batches"][0]["events"][1]["event_type"] = "commerce"  # a typo: its commerce checks would quietly find nothing
    (mine / "checkout.json").write_text(json.dumps(document))
    monkeypatch.setattr("conformance.cli.HeapMockServer", None)  # the simulator is never started
    code, out, err = run_cli(capsys, "--fixtures", "my-fixtures")
    assert code == 2 and out == ""
    assert "checkout.json: its batches are not usable mParticle input:" in err
    assert "$.batches[0].events[1].event_type: 'commerce' is not an mParticle event type (one of: " in err


def test_the_readme_names_the_four_settings_a_fixture_may_set() -> None:
    from dataclasses import fields

    from conformance.fixtures import ForwarderSettings

    section = ROOT.joinpath("README.md").read_text().split("### Your own fixtures", 1)[1].split("```json", 1)[0]
    assert [field.name for field in fields(ForwarderSettings) if f"`{field.name}`" not in section] == []


def test_a_missing_golden_file_is_told_apart_with_the_command_that_writes_it_there(mine: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (mine / "golden").mkdir()  # the folder keeps golden files, but none for checkout yet
    code, out, _ = run_cli(capsys, "--fixtures", "my-fixtures")
    assert code == 1
    assert "[GOLDEN] checkout: no golden file my-fixtures/golden/checkout.json: write it with `heap-conformance --update-golden --fixtures my-fixtures`" in out
    assert "differ" not in out
    code, out, _ = run_cli(capsys, "--fixtures", "my-fixtures", "--update-golden")
    assert code == 0 and (mine / "golden" / "checkout.json").exists(), out
    assert "[GOLDEN] checkout: golden file written: my-fixtures/golden/checkout.json" in out
    document = json.loads(readme_fixture())
    document["batches"][0]["events"][0]["data"]["screen_name"] = "Basket"
    (mine / "checkout.json").write_text(json.dumps(document))
    code, out, _ = run_cli(capsys, "--fixtures", "my-fixtures")
    assert code == 1
    assert "[GOLDEN] checkout: our forwarder's requests differ from my-fixtures/golden/checkout.json (after an intended change: `heap-conformance --update-golden --fixtures my-fixtures`)" in out
