"""`heap-mock serve`: run the simulator from the command line (also `python -m heap_mock`)."""

from __future__ import annotations

import argparse
import dataclasses
import socket
import sys
import threading
import time
from pathlib import Path

from heap_facts.entry import add_version_option, guarded, stop_on_signals
from heap_mock.config import Config, ConfigError
from heap_mock.leniency import FIDELITIES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="heap-mock", description="A local simulator of Heap's server-side API.")
    add_version_option(parser)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the simulator until Ctrl-C or SIGTERM")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=int, default=8080, help="port to bind; 0 picks a free one (default: 8080)")
    serve.add_argument("--config", metavar="FILE", help="a JSON file of settings (see README, 'Configuration')")
    serve.add_argument("--server", choices=("granian", "waitress"), default="granian", help="WSGI server (default: granian)")
    serve.add_argument("--threads", type=int, default=2, help="request threads (default: 2; one is fastest, two keep serving while a delay fault sleeps)")
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
    try:
        config = Config.from_file(args.config) if args.config else Config()
        if args.fidelity is not None:
            config = dataclasses.replace(config, fidelity=args.fidelity)  # the flag wins over the file
        if args.load is not None:
            config = dataclasses.replace(config, session_file=checked_session_file(args.load))
    except ConfigError as error:
        print(f"heap-mock: {error}", file=sys.stderr)
        return 2
    if not 0 <= args.port <= 65535:
        print(f"heap-mock: --port must be from 0 to 65535, got {args.port}", file=sys.stderr)
        return 2
    from heap_mock.server import configure_logging

    configure_logging()
    return _serve(args, with_allowed_hosts(config, args.host, args.allow_host))


def _serve(args: argparse.Namespace, config: Config) -> int:
    from heap_mock.server import HeapMockServer, reserve_port, serve_with_granian

    if args.server == "waitress":
        return _serve_with_waitress(HeapMockServer(config, host=args.host, port=args.port, threads=args.threads), args)
    try:
        reservation = reserve_port(args.host, args.port)
    except OSError as error:
        print(f"heap-mock: cannot bind {args.host}:{args.port}: {error.strerror}", file=sys.stderr)
        return 2
    port = reservation.getsockname()[1]
    url = f"http://{_url_host(args.host)}:{port}"
    threading.Thread(target=_announce_when_ready, args=(args.host, port, url, reservation), daemon=True).start()
    try:
        serve_with_granian(args.host, port, config, threads=args.threads)
    except RuntimeError as error:  # how granian reports a server it could not start, a refused bind among them
        print(f"heap-mock: the server could not start on {args.host}:{port}: {error}", file=sys.stderr)
        return 2
    finally:
        reservation.close()
    return 0


def _serve_with_waitress(server: HeapMockServer, args: argparse.Namespace) -> int:  # type: ignore[name-defined]  # noqa: F821
    stop = stop_on_signals()
    try:
        server.start()
    except OSError as error:
        print(f"heap-mock: cannot bind {args.host}:{args.port}: {error.strerror}", file=sys.stderr)
        return 2
    _print_url(server.url)
    stop.wait()
    server.stop()
    return 0


def checked_session_file(name: str) -> str:
    """The absolute path of a session file that reads and checks whole, or ConfigError saying why not.

    Checked here, before the server starts, so a bad file ends the command with one line naming
    the field; the server's worker reads it again (it runs in its own process)."""
    from heap_mock.session import SessionError, read_session

    path = Path(name).expanduser().resolve()
    try:
        read_session(path.read_bytes())
    except OSError as error:
        raise ConfigError(f"cannot read the session file {name}: {error.strerror or error}") from None
    except SessionError as error:
        raise ConfigError(f"cannot load the session file {name}: {error}") from None
    return str(path)


def with_allowed_hosts(config: Config, bind_host: str, extra: list[str]) -> Config:
    """The config plus the names given with --allow-host and the name bound with --host, if it is a name."""
    from heap_mock.origin_policy import is_ip_address

    names = [*config.allowed_hosts, *extra]
    if bind_host and not is_ip_address(bind_host.strip("[]")):
        names.append(bind_host)
    return dataclasses.replace(config, allowed_hosts=tuple(dict.fromkeys(names)))


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _announce_when_ready(host: str, port: int, url: str, reservation: socket.socket) -> None:
    """Print the base URL once the port accepts connections, so the line means 'ready'.

    Only granian can be listening there: the reservation kept every other program off the port,
    and it is released here, once granian holds the port itself.
    """
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.02)
    reservation.close()
    _print_url(url)


def _print_url(url: str) -> None:
    print(url, flush=True)



run_cli = guarded(main, "heap-mock")  # the console script: no traceback on Ctrl-C or a closed pipe
