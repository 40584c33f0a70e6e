"""Run every benchmark in this folder: `python -m bench [--quick] [NAME ...]`."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import bench


def benchmark_names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a brief smoke run instead of the full measurement")
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all), e.g. bench_simulator")
    args = parser.parse_args(argv)
    for name in args.names or benchmark_names():
        print(f"== {name}", flush=True)
        importlib.import_module(f"bench.{name}").run(quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
