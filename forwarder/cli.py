"""`heap-forward`: forward mParticle batches from files or stdin to Heap (or the simulator).

Prints a JSON summary on stdout; progress on stderr while a long input is delivered.
Exit status: 0 when everything that should be delivered was (skips are not failures); 1 when a
request failed or a batch was rejected as broken; 2 when the arguments are unusable or an input
cannot be read at all.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any, TextIO

import orjson

from forwarder.delivery import BatchResult, Forwarder
from forwarder.inputs import InputBatch, InputError, read_input
from forwarder.mapping import map_batch
from forwarder.model import BatchRejected, HeapRequest
from forwarder.pacing import DOCUMENTED_LIMITS, Limit
from forwarder.settings import Settings, SettingsError

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2
PROGRESS_EVERY_S = 2.0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="heap-forward",
        description="Forward mParticle Events API batches to Heap, as mParticle's Heap integration documents it.",
        epilog="Each FILE holds a batch object, a JSON array of batches, or one batch per line (NDJSON); '-' reads stdin. "
        "`heap-forward serve --help`: run as an mParticle-compatible front instead.",
    )
    parser.add_argument("--heap-url", required=True, help="Heap's base URL, e.g. https://heapanalytics.com or a heap-mock URL")
    parser.add_argument("--app-id", required=True, help="the numeric Heap environment ID (app_id)")
    parser.add_argument("--external-id", choices=["mpid", "customer_id"], default="mpid", help="the identity sent to Heap (default: mpid)")
    parser.add_argument("--forward-user-attributes", action="store_true", help="send user attributes to /api/add_user_properties")
    parser.add_argument("--no-forward-web-server-side", action="store_true", help="skip web batches (their events go client-side)")
    parser.add_argument("--dry-run", action="store_true", help="print the Heap requests that would be sent; send nothing")
    parser.add_argument("--max-attempts", type=_positive_int, default=6, help="attempts per request on 5xx and connection errors (default: 6)")
    parser.add_argument(
        "--time-scale",
        type=_positive_number,
        default=1.0,
        help="pace to Heap's windows divided by N, for a simulator whose clock runs N times faster (default: 1)",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="input files ('-' for stdin)")
    return parser


def _positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
    return value


def scaled_limits(time_scale: float) -> dict[str, Limit]:
    """Heap's documented limits with their windows shortened for a clock running `time_scale` times faster."""
    return {name: Limit(limit.limit, limit.window_s / time_scale) for name, limit in DOCUMENTED_LIMITS.items()}


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv: Sequence[str] | None = None, *, stdin: Any = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the CLI; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:  # `heap-forward serve ...`: the mParticle-compatible front
        from forwarder.front.serve import main as serve

        return serve(argv[1:], stdout=stdout, stderr=stderr)
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = _settings(parser, args)
    if not args.heap_url.startswith(("http://", "https://")):
        parser.error(f"--heap-url must be an http:// or https:// URL, got {args.heap_url!r}")
    try:
        inputs = [item for name in args.files for item in read_input(name, stdin or sys.stdin.buffer)]
    except InputError as error:
        print(f"heap-forward: error: {error}", file=stderr)
        return EXIT_UNUSABLE
    summary = _dry_run(inputs, settings) if args.dry_run else _deliver(inputs, settings, args, stderr)
    stdout.write(orjson.dumps(summary, option=orjson.OPT_INDENT_2).decode() + "\n")
    return EXIT_OK if not summary["failed"]["count"] and not summary["rejected"] else EXIT_FAILED


def _settings(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Settings:
    try:
        return Settings(
            app_id=args.app_id,
            external_id=args.external_id,
            forward_user_attributes=args.forward_user_attributes,
            forward_web_requests_server_side=not args.no_forward_web_server_side,
        )
    except SettingsError as error:
        parser.error(str(error))
        raise  # unreachable: parser.error exits


def _dry_run(inputs: list[InputBatch], settings: Settings) -> dict[str, Any]:
    summary = _Summary(dry_run=True)
    heap_requests: list[dict[str, Any]] = []
    for item in inputs:
        if item.error is not None:
            summary.reject(item.source, item.error)
            continue
        try:
            mapped = map_batch(item.batch, settings)
        except BatchRejected as error:
            summary.reject(item.source, str(error))
            continue
        summary.count_mapped(mapped.events_in, [skip.reason for skip in mapped.skipped])
        summary.heap_events += mapped.heap_events
        heap_requests += [{"batch": item.source, **request.to_json()} for request in mapped.requests]
    return {**summary.to_json(), "heap_requests": heap_requests}


def _deliver(inputs: list[InputBatch], settings: Settings, args: argparse.Namespace, stderr: TextIO) -> dict[str, Any]:
    summary = _Summary(dry_run=False)
    readable = [item for item in inputs if item.error is None]
    for item in inputs:
        if item.error is not None:
            summary.reject(item.source, item.error)
    progress = _Progress(stderr, len(readable))
    forwarder = Forwarder(
        settings, args.heap_url, max_attempts=args.max_attempts, on_request=progress.on_request, limits=scaled_limits(args.time_scale)
    )
    for result in forwarder.forward_iter(item.batch for item in readable):
        summary.add_result(readable[result.index].source, result)
        progress.batch_done(result)
    progress.finish()
    stats = forwarder.stats
    summary.requests = {"delivered": stats.delivered_requests, "attempts": stats.attempts, "throttled": stats.throttled, "retries": stats.retries}
    return summary.to_json()


class _Summary:
    """The counts the CLI prints, gathered batch by batch."""

    def __init__(self, *, dry_run: bool) -> None:
        self.dry_run = dry_run
        self.batches = 0
        self.events_in = 0
        self.heap_events = 0
        self.skips: Counter[str] = Counter()
        self.failed: list[dict[str, Any]] = []
        self.rejected: list[dict[str, str]] = []
        self.requests: dict[str, int] = {}

    def reject(self, source: str, error: str) -> None:
        self.batches += 1
        self.rejected.append({"batch": source, "error": error})

    def count_mapped(self, events_in: int, skip_reasons: list[str]) -> None:
        self.batches += 1
        self.events_in += events_in
        self.skips.update(skip_reasons)

    def add_result(self, source: str, result: BatchResult) -> None:
        if result.rejected is not None:
            self.reject(source, result.rejected)
            return
        self.count_mapped(result.events_in, [skip.reason for skip in result.skipped])
        self.heap_events += result.heap_events_delivered
        self.failed += [{"batch": source, **failure.to_json()} for failure in result.failed]

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
        summary["failed"] = {"count": len(self.failed), "requests": self.failed}
        summary["rejected"] = self.rejected
        return summary


class _Progress:
    """A line on stderr at most every PROGRESS_EVERY_S seconds of real time, so short runs stay quiet."""

    def __init__(self, stream: TextIO, total_batches: int) -> None:
        self.stream, self.total = stream, total_batches
        self.batches = self.requests = self.heap_events = 0
        self.started = self.last = time.monotonic()
        self.printed = False

    def on_request(self, request: HeapRequest, status: int | None) -> None:
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
                f"heap-forward: {self.batches}/{self.total} batches done, {self.requests} requests, "
                f"{self.heap_events} Heap events sent ({now - self.started:.0f} s)",
                file=self.stream,
                flush=True,
            )

    def finish(self) -> None:
        if self.printed:
            self.last = 0.0
            self._maybe_print()
