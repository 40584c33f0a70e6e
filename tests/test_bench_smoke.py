"""CI runs every benchmark briefly, so a benchmark that breaks is noticed, and checks that its figures
are sane: finite, and true to what each benchmark promises whatever the machine's speed (nothing
refused or lost that should not be, peaks under their bounds, the fairness delay far under the
issue's). Speeds themselves are not asserted; the README records them from full runs."""

from __future__ import annotations

import importlib
import math
import re
from collections.abc import Callable

import pytest

from bench.__main__ import benchmark_names
from bench.bench_simulator import IDENTITY_POOL, TRACK_SCRIPT, single_track_body
from bench.wrk import WrkResult, parse_wrk_output

Figures = dict[str, float]


def ending(figures: Figures, suffix: str) -> list[float]:
    values = [value for name, value in figures.items() if name.endswith(suffix)]
    assert values, f"no figure ends with {suffix!r}"
    return values


SANE: dict[str, list[tuple[str, Callable[[Figures], bool]]]] = {
    "bench_console": [
        ("every question answered", lambda f: all(value > 0 for value in ending(f, "_ms"))),
        ("the store filled", lambda f: f["stored_events"] > 0 and f["bytes_per_stored_event"] > 0),
    ],
    "bench_delivery": [
        ("no 429 and no failure", lambda f: f["responses_429"] == 0 and f["failed_requests"] == 0),
        ("every event delivered is stored", lambda f: f["heap_events_stored"] == f["heap_events_delivered"] > 0),
        ("within the target of the floor", lambda f: f["floor_s"] <= f["virtual_s"] <= f["floor_s"] * f["target_ratio"]),
    ],
    "bench_forwarder_rss": [
        ("peaks under the target", lambda f: max(f["ndjson_peak_rss_mb"], f["array_peak_rss_mb"]) < f["target_peak_rss_mb"]),
        ("read at some speed", lambda f: f["ndjson_mb_per_s"] > 0 and f["array_mb_per_s"] > 0),
    ],
    "bench_front": [
        ("accepted and delivered", lambda f: all(value > 0 for value in ending(f, "_per_s"))),
        ("latencies measured", lambda f: f["batch_via_front_median_ms"] > 0 and f["batch_direct_median_ms"] > 0),
    ],
    "bench_front_load": [
        ("others delivered in far under 5 s while one identity is paced", lambda f: 0 < f["fairness_other_delay_max_ms"] < 5000),
        ("the paced identity got what its window allows, and no 429",
         lambda f: f["fairness_paced_identity_delivered"] == f["fairness_paced_identity_allowed"] and f["fairness_responses_429"] == 0),
        ("every upload answered 202, 413 or 429", lambda f: all(value == 0 for value in ending(f, "_uploads_other"))),
        ("delivery kept some pace, and never met a 429", lambda f: all(value > 0 for value in ending(f, "_pace_ratio"))
         and all(value == 0 for value in ending(f, "_simulator_429"))),
        ("memory under the front's limit", lambda f: f["memory_baseline_rss_mb"] < f["memory_peak_rss_mb"] < f["memory_rss_limit_mb"]),
        ("the amplifying uploads were refused", lambda f: f["memory_uploads_413"] > 0),
    ],
    "bench_inputs": [("every reader read", lambda f: all(value > 0 for value in ending(f, "_mb_per_s")))],
    "bench_json": [("both parsers and writers ran", lambda f: all(value > 0 for value in ending(f, "_per_s")))],
    "bench_mapping": [("a commerce mix becomes more Heap events than it has events", lambda f: f["heap_events_per_s"] >= f["mparticle_events_per_s"] > 0)],
    "bench_simulator": [
        ("every request answered 200", lambda f: all(value == 0 for value in ending(f, "_non_200"))),
        ("rates and latencies measured", lambda f: all(value > 0 for value in ending(f, "_rps"))),
        ("p99 at least p50", lambda f: all(f[name.replace("_p50_", "_p99_")] >= value for name, value in f.items() if "_p50_" in name)),
    ],
    "bench_slow_clients": [
        ("every answer came while clients stalled, long before the timeout", lambda f: all(0 < value < 1000 for value in ending(f, "_max_ms"))),
    ],
    "bench_soak": [
        ("every request answered 200", lambda f: all(value == 0 for value in ending(f, "requests_not_200"))),
        ("peak RSS within the bound", lambda f: all(value <= 1.0 for value in ending(f, "peak_over_bound"))),
        ("the stores stay within their caps", lambda f: all(f[f"{mode}.events_stored"] <= f[f"{mode}.max_events"] for mode in ("identity_pool", "new_identities"))),
    ],
}


@pytest.mark.parametrize("name", benchmark_names())
def test_benchmark_runs_briefly_and_its_figures_are_sane(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert name in SANE, f"{name} has no sanity checks here: say what its figures must be"
    figures = importlib.import_module(f"bench.{name}").run(quick=True)
    assert figures, f"{name} reported no figures"
    assert all(isinstance(value, (int, float)) and math.isfinite(value) for value in figures.values()), figures
    assert capsys.readouterr().out.strip(), f"{name} printed nothing"
    failed = [check for check, holds in SANE[name] if not holds(figures)]
    assert not failed, f"{name}: {failed} do not hold for {figures}"


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
