"""Benchmarks: each `bench/bench_<name>.py` has `run(quick: bool) -> dict[str, float]` and prints its figures.

`python -m bench` runs them all at full size; `python -m bench --quick` (and the smoke test in
`tests/test_bench_smoke.py`, which CI runs) runs them briefly to prove they still work.
"""
