"""The benchmarks' runner and what it reads, without running a benchmark: `make bench` (CI's quick
pass, after `make test`) runs them and fails on figures that break a benchmark's declared checks
(bench/checks.py); these tests prove that it does, that every benchmark declares checks that can
fail, and that the parsers of wrk's output and the Lua script read what they should."""

from __future__ import annotations

import importlib
import re
import sys
import types
from pathlib import Path

import pytest

from bench.__main__ import benchmark_names, main
from bench.bench_simulator import IDENTITY_POOL, TRACK_SCRIPT, single_track_body
from bench.checks import Check, Figures, judge
from bench.wrk import WrkResult, parse_wrk_output

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", benchmark_names())
def test_every_benchmark_declares_checks_that_figures_saying_nothing_fail(name: str) -> None:
    checks = getattr(importlib.import_module(f"bench.{name}"), "CHECKS", None)
    assert checks and all(isinstance(check, Check) and check.statement for check in checks), f"{name} declares no CHECKS"
    # A check that holds for figures that say nothing about it could never catch a broken run.
    failures = judge({"unrelated": 1.0}, checks)
    assert len(failures) == len(checks), failures
    assert all(failure.startswith(check.statement) for check, failure in zip(checks, failures, strict=True)), failures


def fake_benchmark(monkeypatch: pytest.MonkeyPatch, name: str, figures: Figures | Exception, checks: list[Check] | None, *, say: bool = True) -> None:
    """bench.<name>, a benchmark that prints (if `say`) and reports `figures` (or raises them)."""

    def run(quick: bool) -> Figures:
        assert quick
        if say:
            print("figures follow")
        if isinstance(figures, Exception):
            raise figures
        return figures

    module = types.ModuleType(f"bench.{name}")
    module.run = run  # type: ignore[attr-defined]
    if checks is not None:
        module.CHECKS = checks  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, f"bench.{name}", module)


STORED = [Check("the store filled", lambda f: f["stored_events"] > 0)]


def test_the_runner_passes_a_run_whose_checks_hold(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    fake_benchmark(monkeypatch, "bench_fine", {"stored_events": 3}, STORED)
    assert main(["--quick", "bench_fine"]) == 0
    out, err = capsys.readouterr()
    assert out == "== bench_fine\nfigures follow\n" and err == ""


@pytest.mark.parametrize(
    ("figures", "checks", "say", "failure"),
    [
        ({"stored_events": 0}, STORED, True, "the store filled"),
        ({"events": 3}, STORED, True, "the store filled (cannot be decided: KeyError: 'stored_events')"),
        ({}, STORED, True, "reported no figures"),
        ({"stored_events": float("nan")}, STORED, True, "stored_events = nan is not a finite number"),
        ({"stored_events": 3}, STORED, False, "printed nothing"),
        ({"stored_events": 3}, None, True, "declares no CHECKS: say what its figures must be"),
        (RuntimeError("port taken"), STORED, True, "raised RuntimeError: port taken"),
    ],
    ids=["check-broken", "figure-missing", "no-figures", "not-finite", "silent", "no-checks", "raised"],
)
def test_the_runner_exits_1_naming_what_is_wrong_and_runs_the_rest(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], figures: Figures | Exception, checks: list[Check] | None, say: bool, failure: str
) -> None:
    fake_benchmark(monkeypatch, "bench_broken", figures, checks, say=say)
    fake_benchmark(monkeypatch, "bench_fine", {"stored_events": 3}, STORED)
    assert main(["--quick", "bench_broken", "bench_fine"]) == 1
    out, err = capsys.readouterr()
    assert out.endswith("== bench_fine\nfigures follow\n"), out
    failed = [line for line in err.splitlines() if line.startswith("bench: FAILED")]
    assert f"bench: FAILED bench_broken: {failure}" in failed and not any("bench_fine" in line for line in failed), err


def test_a_real_benchmarks_checks_catch_a_store_that_did_not_fill() -> None:
    # The store is judged by what the simulator counts, not by the process's RSS: at the quick run's
    # 20,000 events the RSS may not grow at all (freed pages reused), which once failed a sound run.
    from bench.bench_console import CHECKS

    figures = {"fill_events_per_s": 94004, "bytes_per_stored_event": 0, "count_health_ms": 1.08,
               "stored_events": 20000, "events_sent": 20000, "journal_entries": 2000, "journal_entries_sent": 2000}
    assert judge(figures, CHECKS) == []
    assert judge({**figures, "stored_events": 19000}, CHECKS) == ["the store filled"]
    assert judge({**figures, "journal_entries": 0}, CHECKS) == ["the store filled"]


def test_ci_runs_the_tests_the_lint_then_the_benchmarks_quick_pass() -> None:
    steps = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.strip().startswith("make ")]
    assert steps == ["make test", "make lint", "make bench"]
    recipe = re.search(r"^bench:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert recipe and recipe[1].strip() == "$(BIN)/python -m bench --quick"


# Real output of wrk 4.1.0 (Debian), captured on the project's machine: bench/track.lua against
# bench/bare_app.py on granian; the same with one connection (microseconds); a Flask app sleeping
# 1.1 to 1.5 s and answering every other request 429 (seconds, with the trailing blank wrk prints); the same app with
# --timeout 1s (socket errors, latencies never recorded).
WRK_MILLISECONDS = """\
Running 1s test @ http://127.0.0.1:18766/api/track
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.13ms    0.87ms   9.19ms   72.48%
    Req/Sec   627.00     54.46   747.00     75.00%
  Latency Distribution
     50%    3.04ms
     75%    3.60ms
     90%    4.25ms
     99%    5.75ms
  1247 requests in 1.00s, 212.06KB read
Requests/sec:   1245.55
Transfer/sec:    211.81KB
"""
WRK_MICROSECONDS = """\
Running 1s test @ http://127.0.0.1:18765/api/track
  1 threads and 1 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   282.78us  246.37us   5.82ms   99.08%
    Req/Sec     3.63k   637.90     4.59k    72.73%
  Latency Distribution
     50%  251.00us
     75%  312.00us
     90%  362.00us
     99%  514.00us
  3973 requests in 1.10s, 488.87KB read
Requests/sec:   3612.99
Transfer/sec:    444.57KB
"""
WRK_SECONDS = """\
Running 5s test @ http://127.0.0.1:18767/api/track
  2 threads and 6 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.23s   190.54ms   1.50s    68.18%
    Req/Sec     3.29      3.31    10.00     82.35%
  Latency Distribution
     50%    1.10s\x20
     75%    1.50s\x20
     90%    1.50s\x20
     99%    1.50s\x20
  22 requests in 5.01s, 3.88KB read
  Non-2xx or 3xx responses: 10
Requests/sec:      4.39
Transfer/sec:     794.07B
"""
WRK_TIMEOUTS = """\
Running 4s test @ http://127.0.0.1:18767/api/track
  1 threads and 3 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.00us    0.00us   0.00us    -nan%
    Req/Sec     4.29      4.23    10.00     57.14%
  Latency Distribution
     50%    0.00us
     75%    0.00us
     90%    0.00us
     99%    0.00us
  8 requests in 4.01s, 1.42KB read
  Socket errors: connect 0, read 0, write 0, timeout 8
  Non-2xx or 3xx responses: 4
Requests/sec:      2.00
Transfer/sec:     362.42B
"""


@pytest.mark.parametrize(("output", "expected"), [
    (WRK_MILLISECONDS, WrkResult(rate=1245.55, p50_ms=3.04, p99_ms=5.75, non_2xx_3xx=0, socket_errors=0)),
    (WRK_MICROSECONDS, WrkResult(rate=3612.99, p50_ms=0.251, p99_ms=0.514, non_2xx_3xx=0, socket_errors=0)),
    (WRK_SECONDS, WrkResult(rate=4.39, p50_ms=1100.0, p99_ms=1500.0, non_2xx_3xx=10, socket_errors=0)),
    (WRK_TIMEOUTS, WrkResult(rate=2.0, p50_ms=0.0, p99_ms=0.0, non_2xx_3xx=4, socket_errors=8)),
])
def test_wrk_output_is_read_in_milliseconds(output: str, expected: WrkResult) -> None:
    # Needs no wrk: the parser reads captured text. Tolerances absorb float unit conversion.
    result = parse_wrk_output(output)
    assert (result.rate, result.p50_ms, result.p99_ms) == pytest.approx((expected.rate, expected.p50_ms, expected.p99_ms))
    assert (result.non_2xx_3xx, result.socket_errors) == (expected.non_2xx_3xx, expected.socket_errors)
    assert result.failures == expected.non_2xx_3xx + expected.socket_errors


def test_wrk_output_without_latency_distribution_is_refused() -> None:
    # Without --latency wrk prints no percentiles; a figure of 0 ms would be quietly wrong.
    without = re.sub(r"^\s+\d+%.*\n", "", WRK_MILLISECONDS, flags=re.MULTILINE)
    assert "Requests/sec" in without and "99%" not in without
    with pytest.raises(ValueError, match="50% latency"):
        parse_wrk_output(without)


def test_track_lua_sends_single_track_body() -> None:
    # wrk builds its bodies from bench/track.lua: they must be the bytes single_track_body makes.
    lua = TRACK_SCRIPT.read_text()
    template = re.search(r"^local template = '(.*)'$", lua, re.MULTILINE)
    assert template, "bench/track.lua has no one-line `local template = '...'`"
    for counter in (0, 1, 12_345, IDENTITY_POOL - 1):
        assert (template[1] % counter).encode() == single_track_body(counter)
    assert f"local pool, threads = {IDENTITY_POOL}," in lua, "the Lua default pool differs from IDENTITY_POOL"
