"""Run wrk (https://github.com/wg/wrk) and read its figures, for machines where it is installed.

A load generator written in Python spends much of a 2-core machine's CPU on itself and so
understates the server it measures; wrk, written in C, leaves the cores to the server. The
project's reference figures are stated as wrk's ("2 threads, 8 connections"), so benchmarks use
wrk when it is on PATH and fall back to bench/loadgen.py when it is not (CI has no wrk).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# wrk prints latencies with format_time_us: microseconds, then ms, s, m and h as they grow.
_MS_PER_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)\s*$", re.MULTILINE)
_NON_2XX_3XX = re.compile(r"^\s*Non-2xx or 3xx responses:\s+(\d+)\s*$", re.MULTILINE)
_SOCKET_ERRORS = re.compile(r"^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class WrkResult:
    """The figures wrk prints that bench_simulator reports, latencies converted to milliseconds."""

    rate: float
    p50_ms: float
    p99_ms: float
    non_2xx_3xx: int  # wrk counts responses with status 400 or above here
    socket_errors: int  # connect, read, write and timeout errors: requests that got no answer

    @property
    def failures(self) -> int:
        """Requests that did not get a successful answer, whether refused or never answered."""
        return self.non_2xx_3xx + self.socket_errors


def wrk_path() -> str | None:
    """wrk's path if it is on PATH, else None: callers fall back to bench/loadgen.py."""
    return shutil.which("wrk")


def _percentile_ms(text: str, percent: int) -> float:
    """One line of wrk's --latency distribution (e.g. `99%    6.00ms`), in milliseconds."""
    found = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m|h)\s*$", text, re.MULTILINE)
    if found is None:
        raise ValueError(f"no {percent}% latency line in wrk output (was --latency given?):\n{text}")
    return float(found[1]) * _MS_PER_UNIT[found[2]]


def parse_wrk_output(text: str) -> WrkResult:
    """Read requests/s, p50, p99 and failures from wrk's report; raises ValueError if one is missing."""
    rate = _RATE.search(text)
    if rate is None:
        raise ValueError(f"no Requests/sec line in wrk output:\n{text}")
    non_2xx_3xx = _NON_2XX_3XX.search(text)  # wrk prints these two lines only when the count is not zero
    socket_errors = _SOCKET_ERRORS.search(text)
    return WrkResult(
        rate=float(rate[1]),
        p50_ms=_percentile_ms(text, 50),
        p99_ms=_percentile_ms(text, 99),
        non_2xx_3xx=int(non_2xx_3xx[1]) if non_2xx_3xx else 0,
        socket_errors=sum(int(n) for n in socket_errors.groups()) if socket_errors else 0,
    )


def wrk_command(wrk: str, url: str, script: Path, seconds: int, *, threads: int, connections: int,
                script_args: Sequence[str] = ()) -> list[str]:
    """The command line; wrk's -d takes whole seconds only (it rejects 0s and 0.5s), so at least 1."""
    return [wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, seconds)}s", "--latency", "-s", str(script), url,
            "--", *script_args]


def run_wrk(wrk: str, url: str, script: Path, seconds: int, *, threads: int = 2, connections: int = 8,
            script_args: Sequence[str] = ()) -> WrkResult:
    """Load `url` with wrk for `seconds`, each request built by the Lua `script`; returns wrk's figures."""
    command = wrk_command(wrk, url, script, seconds, threads=threads, connections=connections, script_args=script_args)
    finished = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 30)
    return parse_wrk_output(finished.stdout)
