"""The wheel, built once per test run and installed into a fresh venv.

To stay quick the wheel is built without isolation (setuptools from the test venv) and the fresh
venv borrows the test venv's site-packages for the dependencies (flask, pytest, ...) through a
`.pth` line, which adds the directory but none of its own `.pth` files, so the checkout's editable
install stays out of sight.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ANYWHERE = shutil.ignore_patterns(".git", ".venv", "node_modules", "__pycache__", "*.egg-info")
TOP_LEVEL_ONLY = {"build", "tests", "bench", "docs"}  # heap_mock/docs is a package and ships


def SKIP(folder: str, names: list[str]) -> set[str]:
    """What the copy of the checkout leaves out: caches everywhere, and the folders that do not ship."""
    skipped = set(ANYWHERE(folder, names))
    return skipped | (TOP_LEVEL_ONLY & set(names) if Path(folder) == ROOT else set())


def run(*argv: str | Path, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(arg) for arg in argv], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    return done


def build_wheel(tmp_path: Path) -> tuple[Path, str]:
    """The wheel, and what the build printed on stderr (setuptools' warnings go there)."""
    source = tmp_path / "source" / "heap-sim"
    shutil.copytree(ROOT, source, ignore=SKIP)  # a copy, so the build leaves no build/ in the checkout
    out = tmp_path / "dist"
    out.mkdir()
    done = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", out, source, cwd=out)
    assert done.returncode == 0, done.stderr
    return next(out.glob("heap_sim-*.whl")), done.stderr


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
    assert {"http_layer/look_static/look.css", "http_layer/look_static/favicon.svg", "forwarder/front/static/pipeline.js"} <= names  # both servers' pages
    assert {name.split("/")[0] for name in names if not name.startswith("heap_sim-")} == {"heap_facts", "http_layer", "heap_mock", "forwarder", "conformance"}



@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    build_stderr: str  # what `pip wheel` printed on stderr while building it

    def bin(self, name: str) -> Path:
        return self.venv / "bin" / name


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """heap-sim's wheel, built from this checkout and installed in a fresh venv, once per run.

    Under xdist every worker asks for it; the first builds it under a lock in the run's shared
    temporary root (as pytest-xdist's docs advise for session fixtures), the others reuse it.
    """
    under_xdist = "PYTEST_XDIST_WORKER" in os.environ  # also without the xdist plugin loaded (-p no:xdist)
    root = tmp_path_factory.getbasetemp().parent if under_xdist else tmp_path_factory.getbasetemp()
    home = root / "heap-sim-wheel"
    with open(root / "heap-sim-wheel.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (home / "ready").exists():
            home.mkdir(exist_ok=True)
            wheel, stderr = build_wheel(home)
            fresh_venv(wheel, home / "venv")
            (home / "build-stderr.txt").write_text(stderr)
            (home / "ready").write_text(str(wheel))
    return Installed(Path((home / "ready").read_text()), home / "venv", (home / "build-stderr.txt").read_text())
