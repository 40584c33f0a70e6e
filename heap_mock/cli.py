"""`heap-mock serve`: run the simulator from the command line (also `python -m heap_mock`)."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from heap_facts.entry import add_version_option, guarded
from heap_mock.config import Config, ConfigError
from heap_mock.fidelity import FIDELITIES

if TYPE_CHECKING:
    from heap_mock.store.session import Session


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="heap-mock", description="A local simulator of Heap's server-side API.")
    add_version_option(parser)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the simulator until Ctrl-C or SIGTERM")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=int, default=8080, help="port to bind; 0 picks a free one (default: 8080)")
    serve.add_argument("--config", metavar="FILE", help="a JSON file of settings (see README, 'Configuration')")
    serve.add_argument("--server", choices=("granian", "waitress"), default="granian", help="HTTP server (default: granian)")
    serve.add_argument(
        "--threads", type=int, default=4,
        help="threads for the console and /_mock/ under granian (Heap's endpoints need none), request threads under waitress (default: 4)",
    )
    serve.add_argument(
        "--fidelity", choices=FIDELITIES, default=None,
        help="observed: accept with a warning what live Heap accepted although its docs forbid it (the default); documented: refuse it",
    )
    serve.add_argument(
        "--load", metavar="FILE",
        help="start with a session saved from GET /_mock/export (the console's Export button): events, users, accounts, journal, clock",
    )
    serve.add_argument(
        "--allow-host", action="append", default=[], metavar="NAME",
        help="also answer the console and /_mock/ under this host name (repeatable; '*' for any); IP addresses and localhost always work",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    session = None
    try:
        config = Config.from_file(args.config) if args.config else Config()
        if args.fidelity is not None:
            config = dataclasses.replace(config, fidelity=args.fidelity)  # the flag wins over the file
        if args.load is not None:
            path, session = load_session_file(args.load)
            config = dataclasses.replace(config, session_file=path)
    except ConfigError as error:
        print(f"heap-mock: {error}", file=sys.stderr)
        return 2
    if not 0 <= args.port <= 65535:
        print(f"heap-mock: --port must be from 0 to 65535, got {args.port}", file=sys.stderr)
        return 2
    if args.threads < 1:
        print(f"heap-mock: --threads must be 1 or more, got {args.threads}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s", stream=sys.stderr)
    from heap_mock.app import create_app
    from heap_mock.server import HeapMockServer
    from http_layer.servers import serve_in_foreground

    app = create_app(with_allowed_hosts(config, args.host, args.allow_host), session=session)
    server = HeapMockServer(app=app, host=args.host, port=args.port, threads=args.threads, server=args.server)
    return serve_in_foreground(server, prog="heap-mock", on_ready=_print_url)


def load_session_file(name: str) -> tuple[str, Session]:
    """A session file's absolute path and its checked contents, or ConfigError saying why not (one line,
    naming the field), before any server starts."""
    from heap_mock.store.session import SessionError, read_session

    path = Path(name).expanduser().resolve()
    try:
        return str(path), read_session(path.read_bytes())
    except OSError as error:
        raise ConfigError(f"session file {name}", f"cannot be read ({error.strerror or error})") from None
    except SessionError as error:
        raise ConfigError(f"session file {name}", f"cannot be loaded: {error}") from None


def with_allowed_hosts(config: Config, bind_host: str, extra: list[str]) -> Config:
    """The config plus the names given with --allow-host and the name bound with --host, if it is a name."""
    from http_layer.origin_policy import is_ip_address

    names = [*config.allowed_hosts, *extra]
    if bind_host and not is_ip_address(bind_host.strip("[]")):
        names.append(bind_host)
    return dataclasses.replace(config, allowed_hosts=tuple(dict.fromkeys(names)))


def _print_url(url: str) -> None:
    print(url, flush=True)


run_cli = guarded(main, "heap-mock")  # the console script: no traceback on Ctrl-C or a closed pipe
