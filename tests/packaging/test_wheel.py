"""The wheel, as a team installs it: built from this repo, installed into a fresh venv, and run
from an empty directory, with nothing of the checkout on its path."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tests.packaging.conftest import ROOT, Installed, check_contents, run

PLUGIN_TEST = '''
import pytest
from conformance.pytest_plugin import fixture_ids

@pytest.mark.parametrize("fixture_id", ["sessions", "platforms"])
def test_ours_conforms(heap_conformance, fixture_id):
    assert fixture_id in fixture_ids()
    heap_conformance.assert_conforms(fixture_id)
'''


def test_the_wheel_installed_in_a_fresh_venv_works_from_an_empty_directory(installed: Installed, tmp_path: Path) -> None:
    check_contents(installed.wheel)
    venv, empty = installed.venv, tmp_path
    where = run(venv / "bin" / "python", "-c", "import conformance; print(conformance.__file__)", cwd=empty)
    assert str(ROOT) not in where.stdout and "site-packages" in where.stdout, where.stdout + where.stderr
    assert run(venv / "bin" / "python", "-c", "import bench", cwd=empty).returncode != 0
    done = run(venv / "bin" / "heap-conformance", "--rules", "MAP-SESSION", cwd=empty)
    assert done.returncode == 0 and "CONFORMS: 1 passed, 0 failed" in done.stdout, done.stdout + done.stderr
    (empty / "test_mine.py").write_text(PLUGIN_TEST)
    done = run(venv / "bin" / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_mine.py", cwd=empty)
    assert done.returncode == 0 and "2 passed" in done.stdout, done.stdout + done.stderr


def test_the_wheel_builds_without_warnings(installed: Installed) -> None:
    """setuptools warns ("Package would be ignored") about a data folder pyproject.toml does not list."""
    assert "would be ignored" not in installed.build_stderr
    assert "warning" not in installed.build_stderr.lower(), installed.build_stderr


def test_every_package_of_the_repo_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(path.parent.relative_to(ROOT).parts) for top in ("heap_facts", "heap_mock", "forwarder", "conformance") for path in (ROOT / top).rglob("__init__.py")}
    assert found <= listed, found - listed
