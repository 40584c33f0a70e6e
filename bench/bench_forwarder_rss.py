"""The forwarder's peak memory against the size of its input (issue 11, item 10).

Writes an NDJSON file and the same batches as one JSON array in a temporary directory, runs
`heap-forward --dry-run` on each in a subprocess, and reads its peak RSS from `getrusage` in a launcher.
Side by side in the same run: the interpreter with the forwarder imported and nothing read, so
the figure that matters is what reading the input added. Target: under 200 MB peak on a 200 MB
NDJSON input (the old forwarder peaked at 1.25 GB, about six times the file).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_mapping import mixed_batch
from bench.checks import Check

TARGET_PEAK_MB = 200
FULL_INPUT_MB = 200
QUICK_INPUT_MB = 2


def write_inputs(directory: Path, size_mb: float) -> tuple[Path, Path, int]:
    """An NDJSON file of about `size_mb` and the same batches as one array; returns both and the count."""
    lines = [json.dumps(mixed_batch(number)).encode() for number in range(200)]
    ndjson, array = directory / "batches.ndjson", directory / "batches.json"
    count, written = 0, 0
    with ndjson.open("wb") as lines_out, array.open("wb") as array_out:
        array_out.write(b"[")
        while written < size_mb * 1e6:
            line = lines[count % len(lines)].replace(b'"bench-', b'"bench-%d-' % count, 1)
            lines_out.write(line + b"\n")
            array_out.write((b",\n" if count else b"") + line)
            written += len(line) + 1
            count += 1
        array_out.write(b"]")
    return ndjson, array, count


# A process inherits the high-water mark of the one it was forked from (Linux records it at exec),
# so `wait4` on a child of a large process (a pytest worker) reports that process's size. A small
# launcher in between runs the command and reports its children's peak: the command's own.
LAUNCHER = (
    "import resource, subprocess, sys; code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)"
)


def peak_rss_mb(argv: list[str]) -> tuple[float, float, int]:
    """Peak RSS of a process running `argv` (MB), its wall time (s) and exit status; output discarded."""
    started = time.perf_counter()
    launched = subprocess.run([sys.executable, "-c", LAUNCHER, *argv], capture_output=True, text=True, check=False)
    peak_kib = int(launched.stdout.split()[-1])  # ru_maxrss is in KiB on Linux
    return peak_kib / 1024, time.perf_counter() - started, launched.returncode


def forward_argv(path: Path | None) -> list[str]:
    if path is None:  # the baseline: imports everything, reads nothing
        return [sys.executable, "-c", "import forwarder.cli, forwarder.inputs, forwarder.delivery"]
    return [sys.executable, "-m", "forwarder", "--heap-url", "http://127.0.0.1:9", "--app-id", "11", "--dry-run", str(path)]


# What the figures must be whatever the machine's speed; `python -m bench` fails naming any that does not hold.
CHECKS = [
    Check("peaks under the target", lambda f: max(f["ndjson_peak_rss_mb"], f["array_peak_rss_mb"]) < f["target_peak_rss_mb"]),
    Check("read at some speed", lambda f: f["ndjson_mb_per_s"] > 0 and f["array_mb_per_s"] > 0),
]


def run(quick: bool) -> dict[str, float]:
    size_mb = QUICK_INPUT_MB if quick else FULL_INPUT_MB
    with tempfile.TemporaryDirectory(prefix="heap-sim-rss-") as directory:
        ndjson, array, batches = write_inputs(Path(directory), size_mb)
        baseline_mb, _, _ = peak_rss_mb(forward_argv(None))
        ndjson_mb, ndjson_s, ndjson_status = peak_rss_mb(forward_argv(ndjson))
        array_mb, array_s, array_status = peak_rss_mb(forward_argv(array))
        input_mb = ndjson.stat().st_size / 1e6
    if ndjson_status or array_status:
        raise RuntimeError(f"heap-forward exited {ndjson_status} (NDJSON) and {array_status} (array)")
    figures = {
        "input_mb": round(input_mb, 1),
        "batches": batches,
        "baseline_peak_rss_mb": round(baseline_mb, 1),
        "ndjson_peak_rss_mb": round(ndjson_mb, 1),
        "array_peak_rss_mb": round(array_mb, 1),
        "ndjson_rss_per_input_mb": round(ndjson_mb / input_mb, 2),
        "ndjson_mb_per_s": round(input_mb / ndjson_s, 1),
        "array_mb_per_s": round(input_mb / array_s, 1),
        "target_peak_rss_mb": TARGET_PEAK_MB,
    }
    for name, value in figures.items():
        print(f"{name:26} {value}")
    return figures


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
