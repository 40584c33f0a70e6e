"""`heap-forward`: forward mParticle batches from files or stdin to Heap (or the simulator).

Prints a JSON summary on stdout; progress on stderr while a long input is delivered.
Exit status: 0 when everything that should be delivered was (skips are not failures); 1 when a
request failed or a batch was rejected as broken; 2 when the arguments are unusable or an input
cannot be read at all.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any, TextIO

import orjson

from forwarder.delivery import BatchResult, DeliveryObserver, Forwarder
from forwarder.inputs import InputBatch, InputError, open_input
from forwarder.mapping import map_batch
from forwarder.model import BatchRejected, HeapRequest, MappingResult
from forwarder.options import add_settings_options, scaled_limits, settings_from_args
from forwarder.settings import Settings
from heap_facts.entry import add_version_option, guarded

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2
PROGRESS_EVERY_S = 2.0
# The summary lists at most this many rejected batches, failed requests and distinct skip reasons,
# and counts the rest, so a hostile input of millions of broken lines cannot fill memory.
MAX_LISTED = 1000
OTHER_REASONS = "(other reasons, not listed one by one)"
# --dry-run keeps the Heap requests it prints in memory up to this size, then on disk.
DRY_RUN_SPOOL_BYTES = 8 * 2**20


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="heap-forward",
        description="Forward mParticle Events API batches to Heap, as mParticle's Heap integration documents it.",
        epilog="Each FILE holds a batch object, a JSON array of batches, or one batch per line (NDJSON); '-' reads stdin. "
        "`heap-forward serve --help`: run as an mParticle-compatible front instead.",
    )
    add_version_option(parser)
    add_settings_options(parser)
    parser.add_argument("--dry-run", action="store_true", help="print the Heap requests that would be sent; send nothing")
    parser.add_argument("files", nargs="+", metavar="FILE", help="input files ('-' for stdin)")
    return parser








def main(argv: Sequence[str] | None = None, *, stdin: Any = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the CLI; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:  # `heap-forward serve ...`: the mParticle-compatible front
        from forwarder.front.serve import main as serve

        return serve(argv[1:], stdout=stdout, stderr=stderr)
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = settings_from_args(parser, args)
    if not args.heap_url.startswith(("http://", "https://")):
        parser.error(f"--heap-url must be an http:// or https:// URL, got {args.heap_url!r}")
    with contextlib.ExitStack() as closing:
        try:
            inputs = [closing.enter_context(open_input(name, stdin or sys.stdin.buffer)) for name in args.files]
            items = (item for opened in inputs for item in opened.batches())
            if args.dry_run:
                return _dry_run(items, settings, stdout)
            summary = _deliver(items, settings, args, stderr)
        except InputError as error:
            print(f"heap-forward: error: {error}", file=stderr)
            return EXIT_UNUSABLE
    stdout.write(_json_text(summary) + "\n")
    return _exit_status(summary)


def _exit_status(summary: dict[str, Any]) -> int:
    return EXIT_OK if not summary["failed"]["count"] and not summary["rejected_count"] else EXIT_FAILED




def _dry_run(inputs: Iterable[InputBatch], settings: Settings, stdout: TextIO) -> int:
    """Map every batch, print the summary with every Heap request it would send. The requests wait
    in a spooled file, not a list, since the summary's counts come first and the input may be huge."""
    summary = _Summary(dry_run=True)
    with tempfile.SpooledTemporaryFile(max_size=DRY_RUN_SPOOL_BYTES, mode="w+", encoding="utf-8") as spool:
        for item in inputs:
            mapped = _mapped(item, summary, settings)
            if mapped is not None:
                summary.count_mapped(mapped.events_in, [skip.reason for skip in mapped.skipped])
                summary.heap_events += mapped.heap_events
                for request in mapped.requests:
                    spool.write(",\n" if spool.tell() else "\n")
                    spool.write(_json_text({"batch": item.source, **request.to_json()}).replace("\n", "\n    ").join(("    ", "")))
        document = summary.to_json()
        _write_with_spooled_requests(stdout, document, spool)
    return _exit_status(document)


def _write_with_spooled_requests(stdout: TextIO, document: dict[str, Any], spool: IO[str]) -> None:
    """The summary as one indented JSON document whose last key, `heap_requests`, is read from `spool`."""
    head = _json_text({**document, "heap_requests": []}).removesuffix("[]\n}")
    stdout.write(head + "[")
    spooled = spool.tell() > 0
    spool.seek(0)
    while chunk := spool.read(2**16):
        stdout.write(chunk)
    stdout.write("\n  ]\n}\n" if spooled else "]\n}\n")


def _mapped(item: InputBatch, summary: _Summary, settings: Settings) -> MappingResult | None:
    """The batch mapped, or None when it was rejected (counted in `summary` with its reason)."""
    if item.error is not None:
        summary.reject(item.source, item.error)
        return None
    try:
        return map_batch(item.batch, settings)
    except BatchRejected as error:
        summary.reject(item.source, str(error))
        return None


def _deliver(inputs: Iterable[InputBatch], settings: Settings, args: argparse.Namespace, stderr: TextIO) -> dict[str, Any]:
    summary = _Summary(dry_run=False)
    progress = _Progress(stderr)
    forwarder = Forwarder(
        settings, args.heap_url, max_attempts=args.max_attempts, observer=progress, limits=scaled_limits(args.time_scale)
    )
    sources: dict[int, str] = {}  # batches handed to the forwarder and not yet reported: one chunk's worth
    for result in forwarder.forward_iter(_readable(inputs, summary, sources)):
        summary.add_result(sources.pop(result.index), result)
        progress.batch_done(result)
    progress.finish()
    stats = forwarder.stats
    summary.requests = {"delivered": stats.delivered_requests, "attempts": stats.attempts, "throttled": stats.throttled, "retries": stats.retries}
    return summary.to_json()


def _readable(inputs: Iterable[InputBatch], summary: _Summary, sources: dict[int, str]) -> Iterator[Any]:
    """The batches that were read as JSON, noting each one's source under the index the forwarder
    will give it; the others are rejected on the way."""
    index = 0
    for item in inputs:
        if item.error is not None:
            summary.reject(item.source, item.error)
            continue
        sources[index] = item.source
        index += 1
        yield item.batch


def _json_text(value: Any) -> str:
    """Indented JSON; the stdlib writes the integers beyond 64 bits that orjson refuses."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
    except TypeError:
        return json.dumps(value, indent=2)


class _Summary:
    """The counts the CLI prints, gathered batch by batch. Lists stop at MAX_LISTED entries; the
    counts stay exact."""

    def __init__(self, *, dry_run: bool) -> None:
        self.dry_run = dry_run
        self.batches = 0
        self.events_in = 0
        self.heap_events = 0
        self.skips: Counter[str] = Counter()
        self.failed: list[dict[str, Any]] = []
        self.failed_count = 0
        self.rejected: list[dict[str, str]] = []
        self.rejected_count = 0
        self.requests: dict[str, int] = {}

    def reject(self, source: str, error: str) -> None:
        self.batches += 1
        self.rejected_count += 1
        if len(self.rejected) < MAX_LISTED:
            self.rejected.append({"batch": source, "error": error})

    def count_mapped(self, events_in: int, skip_reasons: list[str]) -> None:
        self.batches += 1
        self.events_in += events_in
        for reason in skip_reasons:
            known = reason in self.skips or len(self.skips) < MAX_LISTED
            self.skips[reason if known else OTHER_REASONS] += 1

    def add_result(self, source: str, result: BatchResult) -> None:
        if result.rejected is not None:
            self.reject(source, result.rejected)
            return
        self.count_mapped(result.events_in, [skip.reason for skip in result.skipped])
        self.heap_events += result.heap_events_delivered
        self.failed_count += len(result.failed)
        room = max(MAX_LISTED - len(self.failed), 0)
        self.failed += [{"batch": source, **failure.to_json()} for failure in result.failed[:room]]

    def to_json(self) -> dict[str, Any]:
        summary: dict[str, Any] = {
            "dry_run": self.dry_run,
            "batches": self.batches,
            "events_in": self.events_in,
            ("heap_events_mapped" if self.dry_run else "heap_events_sent"): self.heap_events,
        }
        if not self.dry_run:
            summary["requests"] = self.requests
        summary["skipped"] = {"count": sum(self.skips.values()), "by_reason": dict(self.skips.most_common())}
        summary["failed"] = {"count": self.failed_count, "requests": self.failed}
        summary["rejected_count"] = self.rejected_count
        summary["rejected"] = self.rejected
        return summary


class _Progress(DeliveryObserver):
    """A line on stderr at most every PROGRESS_EVERY_S seconds of real time, so short runs stay quiet."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.batches = self.requests = self.heap_events = 0
        self.started = self.last = time.monotonic()
        self.printed = False

    def attempted(self, request: HeapRequest, status: int | None) -> None:
        self.requests += 1
        if status is not None and 200 <= status < 300:
            self.heap_events += request.heap_events
        self._maybe_print()

    def batch_done(self, result: BatchResult) -> None:
        self.batches += 1
        self._maybe_print()

    def _maybe_print(self) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY_S:
            self.last, self.printed = now, True
            print(
                f"heap-forward: {self.batches} batches done, {self.requests} requests, "
                f"{self.heap_events} Heap events sent ({now - self.started:.0f} s)",
                file=self.stream,
                flush=True,
            )

    def finish(self) -> None:
        if self.printed:
            self.last = 0.0
            self._maybe_print()


run_cli = guarded(main, "heap-forward")  # the console script: no traceback on Ctrl-C or a closed pipe
