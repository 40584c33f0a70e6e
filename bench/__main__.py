"""Run every benchmark in this folder: `python -m bench [--quick] [NAME ...]`.

Each benchmark's figures are judged by the checks it declares (bench/checks.py); the run exits 1
naming every check that did not hold and every benchmark that broke, after running the rest.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import traceback
from contextlib import redirect_stdout
from types import ModuleType
from typing import TextIO

import bench
from bench.checks import judge


def benchmark_names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))


class _Watched:
    """stdout as it is, noting whether anything was written (a benchmark must print its figures)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.written = False

    def write(self, text: str) -> int:
        self.written = self.written or bool(text.strip())
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


def run_one(name: str, quick: bool) -> list[str]:
    """Run one benchmark and say what is wrong with its run (nothing, when its checks hold)."""
    watched = _Watched(sys.stdout)
    try:
        module: ModuleType = importlib.import_module(f"bench.{name}")
        with redirect_stdout(watched):  # type: ignore[type-var]
            figures = module.run(quick=quick)
    except Exception as error:  # a benchmark that breaks is reported, and the others still run
        traceback.print_exc()
        return [f"raised {type(error).__name__}: {error}"]
    wrong = judge(figures, getattr(module, "CHECKS", []), printed=watched.written)
    if wrong:
        print(f"   figures: {figures}", file=sys.stderr)
    return wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a brief smoke run instead of the full measurement")
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all), e.g. bench_simulator")
    args = parser.parse_args(argv)
    failed: list[str] = []
    for name in args.names or benchmark_names():
        print(f"== {name}", flush=True)
        failed += [f"{name}: {line}" for line in run_one(name, args.quick)]
    for line in failed:
        print(f"bench: FAILED {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
