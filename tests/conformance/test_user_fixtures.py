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
def test_an_invalid_fixture_exits_2_naming_the_file_and_the_json_path(mine: Path, change: object, message: str) -> None:
    document = json.loads(readme_fixture())
    change(document)  # type: ignore[operator]
    (mine / "checkout.json").write_text(json.dumps(document))
    done = conformance(mine.parent, "--fixtures", "my-fixtures")
    assert done.returncode == 2, done.stdout + done.stderr
    assert re.search(message, done.stderr), done.stderr
    assert "Traceback" not in done.stderr


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
