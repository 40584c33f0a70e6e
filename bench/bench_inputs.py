"""Reading batches out of an input, streamed: how fast, side by side in one run.

- `array_streamed`: forwarder.inputs on a JSON array (raw_decode element by element);
- `ndjson_streamed`: forwarder.inputs on the same batches one a line;
- `ijson`: ijson's C backend on the array, when ijson is installed (it is not a dependency: it
  reads lone surrogates as "?" and refuses NaN and integers beyond 64 bits, see forwarder/json_stream.py);
- `whole_document`: json.loads of the whole array at once, the fastest and the one that holds it all.
Figures are MB of input per second and ratios to the whole-document read.
"""

from __future__ import annotations

import io
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.bench_mapping import mixed_batch
from bench.checks import Check, ending
from forwarder.inputs import Input


def _count_streamed(data: bytes) -> int:
    return sum(1 for _ in Input("bench", io.BufferedReader(io.BytesIO(data))).batches())


def _count_ijson(data: bytes) -> int:
    import ijson  # type: ignore[import-not-found, import-untyped, unused-ignore]

    return sum(1 for _ in ijson.items(io.BytesIO(data), "item", use_float=True))


def _best_seconds(read: Callable[[bytes], Any], data: bytes, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        read(data)
        best = min(best, time.perf_counter() - started)
    return best


# What the figures must be whatever the machine's speed; `python -m bench` fails naming any that does not hold.
CHECKS = [Check("every reader read", lambda f: all(value > 0 for value in ending(f, "_mb_per_s")))]


def run(quick: bool) -> dict[str, float]:
    copies, rounds = (2, 1) if quick else (40, 3)
    lines = [json.dumps(mixed_batch(number)).encode() for number in range(100)] * copies
    array, ndjson = b"[" + b",\n".join(lines) + b"]", b"\n".join(lines) + b"\n"
    size_mb = len(array) / 1e6
    readers: dict[str, tuple[Callable[[bytes], Any], bytes]] = {
        "whole_document": (json.loads, array),
        "array_streamed": (_count_streamed, array),
        "ndjson_streamed": (_count_streamed, ndjson),
    }
    try:
        import ijson  # type: ignore[import-not-found, import-untyped, unused-ignore]  # noqa: F401

        readers["ijson"] = (_count_ijson, array)
    except ImportError:
        print("ijson                    not installed: skipped")
    seconds = {name: _best_seconds(read, data, rounds) for name, (read, data) in readers.items()}
    figures: dict[str, float] = {"input_mb": round(size_mb, 1)}
    for name, spent in seconds.items():
        figures[f"{name}_mb_per_s"] = round(size_mb / spent, 1)
        figures[f"{name}_vs_whole"] = round(seconds["whole_document"] / spent, 2)
    for name, value in figures.items():
        print(f"{name:28} {value}")
    return figures


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
