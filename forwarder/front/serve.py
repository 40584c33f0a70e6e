"""`heap-forward serve`: the mParticle-compatible front on a local port.

The first line on stdout is the base URL (so scripts can read it); how to point each SDK at it
follows on stderr. SIGINT or SIGTERM stops taking requests, delivers what is queued within
`--drain-timeout` seconds, and prints a JSON report of what could not be sent on stdout.
Exit status: 0 when everything accepted was delivered or deliberately skipped; 1 when something
could not be sent; 2 when the arguments are unusable or the port cannot be bound.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import orjson

from forwarder.front.admission import DEFAULT_MAX_UPLOAD_EVENTS
from forwarder.front.delivery import DEFAULT_MAX_WAITING_EVENTS
from forwarder.front.front import DEFAULT_RECORD_DIR, PIPELINE_PAGE, FrontOptions
from forwarder.front.malloc import share_malloc_arenas
from forwarder.front.server import DEFAULT_DRAIN_S, FrontServer
from forwarder.options import SETTING_FLAGS, add_settings_options, positive_int, scaled_limits, settings_from_args
from forwarder.settings import Settings
from http_layer.servers import serve_in_foreground

EXIT_OK, EXIT_UNSENT, EXIT_UNUSABLE = 0, 1, 2
DEFAULT_PORT = 8081


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="heap-forward serve",
        description="Accept what mParticle's SDKs send (Events API, web SDK) and forward it to Heap, with lineage.",
    )
    add_settings_options(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port to bind; 0 picks a free one (default: {DEFAULT_PORT})"
    )
    parser.add_argument("--api-key", help="accept only this API key (default: any non-empty key)")
    parser.add_argument("--api-secret", help="with --api-key: accept only this secret on the Events API")
    parser.add_argument(
        "--queue-size", type=positive_int, default=1000, help="batches waiting for delivery before 429 (default: 1000)"
    )
    parser.add_argument(
        "--max-upload-events",
        type=positive_int,
        default=DEFAULT_MAX_UPLOAD_EVENTS,
        help="Heap events one upload may become (each product of a commerce event is one) before 413 "
        f"(default: {DEFAULT_MAX_UPLOAD_EVENTS})",
    )
    parser.add_argument(
        "--max-waiting-events",
        type=positive_int,
        default=DEFAULT_MAX_WAITING_EVENTS,
        help=f"mapped Heap events waiting for delivery in all before 429 (default: {DEFAULT_MAX_WAITING_EVENTS})",
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=DEFAULT_DRAIN_S,
        help=f"seconds to keep delivering after SIGTERM (default: {DEFAULT_DRAIN_S:g})",
    )
    parser.add_argument(
        "--record", metavar="DIR", type=Path,
        help=f"save received batches as conformance fixtures in DIR from the start (default: off; the pipeline view's button records into ./{DEFAULT_RECORD_DIR})",
    )
    return parser


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.heap_url.startswith(("http://", "https://")):
        parser.error(f"--heap-url must be an http:// or https:// URL, got {args.heap_url!r}")
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be from 0 to 65535, got {args.port}")
    if args.drain_timeout < 0:
        parser.error(f"--drain-timeout must be 0 or more, got {args.drain_timeout}")
    if args.max_upload_events > args.max_waiting_events:
        parser.error(f"--max-upload-events ({args.max_upload_events}) must not be over --max-waiting-events ({args.max_waiting_events})")
    options = FrontOptions(
        heap_url=args.heap_url, settings=settings_from_args(parser, args), api_key=args.api_key, api_secret=args.api_secret,
        queue_capacity=args.queue_size, max_upload_events=args.max_upload_events, max_waiting_events=args.max_waiting_events,
        record_dir=args.record, max_attempts=args.max_attempts, limits=scaled_limits(args.time_scale),
    )  # fmt: skip
    server = FrontServer(options, host=args.host, port=args.port, drain_s=args.drain_timeout)
    return _run(server, args, stdout, stderr)


def _run(server: FrontServer, args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    def ready(url: str) -> None:
        server.front.public_url = url
        server.front.start()
        print(url, file=stdout, flush=True)
        print(how_to_point(url), file=stderr, flush=True)
        recording = server.front.recorder
        print(settings_lines(server.front.settings, SETTING_FLAGS, recording.directory, recording.recording, "--record DIR"), file=stderr, flush=True)

    def stopping() -> None:
        print(f"heap-forward: stopping; delivering what is queued (at most {args.drain_timeout:g} s)", file=stderr, flush=True)
        report = server.drain()
        summary = {**report.to_json(), "batches_received": server.front.lineage.received}
        print(orjson.dumps(summary).decode(), file=stdout, flush=True)

    share_malloc_arenas()  # before the server's threads start: memory stays bounded (forwarder/front/malloc.py)
    status = serve_in_foreground(server.http, prog="heap-forward", on_ready=ready, on_stop=stopping, stderr=stderr)
    if status == EXIT_UNUSABLE or server.report is None:
        return status
    return EXIT_OK if server.report.complete and status == EXIT_OK else EXIT_UNSENT


def settings_lines(settings: Settings, hints: dict[str, str], record_dir: Path, recording: bool, record_hint: str) -> str:
    """The settings that decide what reaches Heap, each with how to change it, and where recording
    writes: printed at start by heap-forward serve and make run, each with its own way to change them."""
    rows = [(name, _shown(value), hints.get(name, "")) for name, value in vars(settings).items()]
    name_width, value_width = max(len(row[0]) for row in rows), max(len(row[1]) for row in rows)
    lines = ["settings (which events reach Heap, and as whom), each with how to change it:"]
    lines += [f"  {name:<{name_width}}  {value:<{value_width}}  {hint}".rstrip() for name, value, hint in rows]
    if recording:
        lines.append(f"recording: into {record_dir} (each stop in the pipeline view lists the files it wrote)")
    else:
        lines.append(f"recording: off; {record_hint} records from the start, the pipeline view's button into {record_dir}")
    return "\n".join(lines)


def _shown(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def how_to_point(url: str) -> str:
    """What to give each SDK, printed at start (and shown by `make run`)."""
    host = url.removeprefix("http://")
    return "\n".join(
        [
            f"heap-forward serve: mParticle front at {url}; pipeline view at {url}{PIPELINE_PAGE}",
            f"  Python SDK:  configuration.host = '{url}/v2'",
            f"  web SDK:     window.mParticle.config = {{domain: '{host}', forceHttps: false, requestConfig: false, ...}}",
            f"               or v3SecureServiceUrl: '{host}/v3/JS/', identityUrl: '{host}/v1/', forceHttps: false, requestConfig: false",
            f"  any client:  POST {url}/v2/events or /v2/bulkevents with HTTP Basic key:secret",
        ]
    )
