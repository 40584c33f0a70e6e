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
from forwarder.front.front import LINEAGE_PAGE, FrontOptions
from forwarder.front.malloc import share_malloc_arenas
from forwarder.front.server import DEFAULT_DRAIN_S, FrontServer
from forwarder.options import add_settings_options, positive_int, scaled_limits, settings_from_args
from heap_facts.entry import stop_on_signals

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
    parser.add_argument("--record", metavar="DIR", type=Path, help="save received batches as conformance fixtures in DIR")
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
    stop = stop_on_signals()
    share_malloc_arenas()  # before the server's threads start: memory stays bounded (forwarder/front/malloc.py)
    try:
        server.start()
    except OSError as error:
        print(f"heap-forward: cannot bind {args.host}:{args.port}: {error.strerror or error}", file=stderr)
        return EXIT_UNUSABLE
    print(server.url, file=stdout, flush=True)
    print(how_to_point(server.url), file=stderr, flush=True)
    stop.wait()
    print(f"heap-forward: stopping; delivering what is queued (at most {args.drain_timeout:g} s)", file=stderr, flush=True)
    report = server.stop()
    summary = {**report.to_json(), "batches_received": server.front.lineage.received}
    print(orjson.dumps(summary).decode(), file=stdout, flush=True)
    return EXIT_OK if report.complete else EXIT_UNSENT


def how_to_point(url: str) -> str:
    """What to give each SDK, printed at start (and shown by `make run`)."""
    host = url.removeprefix("http://")
    return "\n".join(
        [
            f"heap-forward serve: mParticle front at {url}; lineage at {url}{LINEAGE_PAGE}",
            f"  Python SDK:  configuration.host = '{url}/v2'",
            f"  web SDK:     window.mParticle.config = {{domain: '{host}', forceHttps: false, requestConfig: false, ...}}",
            f"               or v3SecureServiceUrl: '{host}/v3/JS/', identityUrl: '{host}/v1/', forceHttps: false, requestConfig: false",
            f"  any client:  POST {url}/v2/events or /v2/bulkevents with HTTP Basic key:secret",
        ]
    )
