"""Benchmarks: each `bench/bench_<name>.py` has `run(quick: bool) -> dict[str, float]`, prints its
figures, and lists in `CHECKS` what those figures must be whatever the machine's speed (bench/checks.py).

`python -m bench` runs them all at full size; `python -m bench --quick` (`make bench`, which CI
runs after `make test`) runs them briefly to prove they still work, and exits 1 naming every check
that did not hold. tests/test_bench.py tests the runner and the checks without running a benchmark.
"""
