"""The wheel, as a team installs it: built from this repo, installed into a fresh venv, and run
from an empty directory, with nothing of the checkout on its path.

To stay quick the wheel is built without isolation (setuptools from the test venv) and the fresh
venv borrows the test venv's site-packages for the dependencies (flask, pytest, ...) through a
`.pth` line, which adds the directory but none of its own `.pth` files, so the checkout's editable
install stays out of sight.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP = shutil.ignore_patterns(".git", ".venv", "node_modules", "build", "__pycache__", "*.egg-info", "tests", "bench", "docs")


def run(*argv: str | Path, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(arg) for arg in argv], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    return done


def build_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "source" / "heap-sim"
    shutil.copytree(ROOT, source, ignore=SKIP)  # a copy, so the build leaves no build/ in the checkout
    out = tmp_path / "dist"
    out.mkdir()
    done = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", out, source, cwd=out)
    assert done.returncode == 0, done.stderr
    return next(out.glob("heap_sim-*.whl"))


def fresh_venv(wheel: Path, home: Path) -> Path:
    """A new venv with the wheel installed, borrowing only the dependencies from the test venv."""
    assert run(sys.executable, "-m", "venv", "--without-pip", home, cwd=home.parent).returncode == 0
    python = home / "bin" / "python"
    purelib = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=home).stdout.strip())
    (purelib / "_heap_sim_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel, cwd=home)
    assert done.returncode == 0, done.stderr
    return home


def check_contents(wheel: Path) -> None:
    """The bundled fixtures, their schema and golden files are in; bench and tests are not."""
    names = set(zipfile.ZipFile(wheel).namelist())
    bundled = {Path(name).relative_to("conformance/bundled").as_posix() for name in names if name.startswith("conformance/bundled/")}
    repo = {path.relative_to(ROOT / "fixtures").as_posix() for path in (ROOT / "fixtures").rglob("*.json")}
    assert bundled == repo
    assert "conformance/bundled/fixture.schema.json" in names and "conformance/bundled/golden/platforms.json" in names
    assert {name.split("/")[0] for name in names if not name.startswith("heap_sim-")} == {"heap_facts", "heap_mock", "forwarder", "conformance"}


PLUGIN_TEST = '''
import pytest
from conformance.pytest_plugin import fixture_ids

@pytest.mark.parametrize("fixture_id", ["sessions", "platforms"])
def test_ours_conforms(heap_conformance, fixture_id):
    assert fixture_id in fixture_ids()
    heap_conformance.assert_conforms(fixture_id)
'''


def test_the_wheel_installed_in_a_fresh_venv_works_from_an_empty_directory(tmp_path: Path) -> None:
    """One test, so the wheel is built once whichever xdist worker runs it."""
    wheel = build_wheel(tmp_path)
    check_contents(wheel)
    venv, empty = fresh_venv(wheel, tmp_path / "venv"), tmp_path / "empty"
    empty.mkdir()
    where = run(venv / "bin" / "python", "-c", "import conformance; print(conformance.__file__)", cwd=empty)
    assert str(ROOT) not in where.stdout and "site-packages" in where.stdout, where.stdout + where.stderr
    assert run(venv / "bin" / "python", "-c", "import bench", cwd=empty).returncode != 0
    done = run(venv / "bin" / "heap-conformance", "--rules", "MAP-SESSION", cwd=empty)
    assert done.returncode == 0 and "CONFORMS: 1 passed, 0 failed" in done.stdout, done.stdout + done.stderr
    (empty / "test_mine.py").write_text(PLUGIN_TEST)
    done = run(venv / "bin" / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_mine.py", cwd=empty)
    assert done.returncode == 0 and "2 passed" in done.stdout, done.stdout + done.stderr


def test_every_package_of_the_repo_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(path.parent.relative_to(ROOT).parts) for top in ("heap_facts", "heap_mock", "forwarder", "conformance") for path in (ROOT / top).rglob("__init__.py")}
    assert found <= listed, found - listed
