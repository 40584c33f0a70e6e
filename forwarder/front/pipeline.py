"""`make run`: the whole pipeline on one machine, in one command.

Starts the simulator (`heap-mock serve`, its own process) and the front (`heap-forward serve`'s
server, here) delivering to it, prints both URLs and how to point an SDK at the front, then sends
the bundled demo batches through the front as an SDK would. Ctrl-C or SIGTERM stops both: the
front first, delivering what is queued for at most `--drain-timeout` seconds, then the simulator.

The simulator runs in a process group of its own, so the terminal's Ctrl-C reaches only this
process, which stops the two in that order; it is sent SIGTERM, given `--grace` seconds, then
killed, and a line says so (exit status 1). On Linux it is also told to stop if this process dies
without a word (SIGKILL), so no simulator outlives its pipeline holding the port.

The front's settings are options here and variables of `make run` (APP_ID=, EXTERNAL_ID=,
FORWARD_USER_ATTRIBUTES=, RECORD=DIR), printed at start with how to change each: an SDK that
sends only an MPID needs EXTERNAL_ID=mpid, or every event is skipped for want of a customer ID.

Output on stdout: line 1 the simulator's URL, line 2 the front's URL, then the how-to lines and
the settings.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from forwarder.front.demo import DEMO_SETTINGS, send_demo
from forwarder.front.malloc import share_malloc_arenas
from forwarder.options import truth
from forwarder.settings import Settings, SettingsError
from heap_facts.entry import StopSignal, stop_on_signals
from heap_facts.names import EXTERNAL_IDS

DRAIN_S = 2.0
GRACE_S = 3.0
EXIT_OK, EXIT_KILLED, EXIT_UNUSABLE = 0, 1, 2
# How each setting is changed under `make run` (the Makefile passes each variable on as an option).
MAKE_HINTS = {
    "app_id": "make run APP_ID=<digits>",
    "external_id": "make run EXTERNAL_ID=mpid|customer_id (mpid when your SDK sends no customer ID)",
    "forward_user_attributes": "make run FORWARD_USER_ATTRIBUTES=true|false",
    "forward_web_requests_server_side": "heap-forward serve --no-forward-web-server-side (make run forwards web batches)",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m forwarder.front.pipeline", description="The simulator and the front together, with demo data."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address both bind (default: 127.0.0.1)")
    parser.add_argument("--mock-port", type=int, default=8080, help="the simulator's port; 0 picks a free one (default: 8080)")
    parser.add_argument("--front-port", type=int, default=8081, help="the front's port; 0 picks a free one (default: 8081)")
    parser.add_argument("--no-demo", action="store_true", help="start empty: send no demo batches")
    parser.add_argument(
        "--drain-timeout", type=float, default=DRAIN_S, help=f"seconds the front keeps delivering after Ctrl-C (default: {DRAIN_S:g})"
    )
    parser.add_argument(
        "--grace", type=float, default=GRACE_S, help=f"seconds the simulator is given to stop before it is killed (default: {GRACE_S:g})"
    )
    parser.add_argument("--app-id", default=DEMO_SETTINGS.app_id, help=f"the Heap app_id events go to (default: {DEMO_SETTINGS.app_id}; make run APP_ID=)")
    parser.add_argument(
        "--external-id", choices=EXTERNAL_IDS, default=DEMO_SETTINGS.external_id,
        help=f"the identity sent to Heap: the batch's mpid or its customer ID (default: {DEMO_SETTINGS.external_id}; make run EXTERNAL_ID=)",
    )
    parser.add_argument(
        "--forward-user-attributes", type=truth, nargs="?", const=True, default=DEMO_SETTINGS.forward_user_attributes, metavar="true|false",
        help="send user attributes to /api/add_user_properties (default: true; make run FORWARD_USER_ATTRIBUTES=)",
    )
    parser.add_argument("--record", metavar="DIR", type=Path, help="save received batches as conformance fixtures in DIR from the start (make run RECORD=)")
    return parser


def settings_of(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Settings:
    """The front's settings from the options; a bad one ends the command as argparse does (exit 2)."""
    try:
        return Settings(app_id=args.app_id, external_id=args.external_id, forward_user_attributes=args.forward_user_attributes)
    except SettingsError as error:
        parser.error(str(error))
        raise  # unreachable: parser.error exits


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.settings = settings_of(parser, args)
    stop = stop_on_signals()
    share_malloc_arenas()  # before the front's threads start (forwarder/front/malloc.py)
    simulator = start_simulator(args.host, args.mock_port)
    status = EXIT_UNUSABLE
    try:
        status = _run(args, simulator, stop)
    finally:
        status = max(status, stop_simulator(simulator, args.grace))
    return status


def stop_simulator(simulator: subprocess.Popen[str], grace_s: float) -> int:
    """Stop the simulator: EXIT_OK, or EXIT_KILLED with a line when it outlived its grace period."""
    if stop_child(simulator, grace_s):
        return EXIT_OK
    print(f"make run: the simulator did not stop within {grace_s:g} s of SIGTERM and was killed", file=sys.stderr, flush=True)
    return EXIT_KILLED


def start_simulator(host: str, port: int) -> subprocess.Popen[str]:
    """`heap-mock serve` in a process group of its own, told to stop if this process dies."""
    return subprocess.Popen(
        [sys.executable, "-m", "heap_mock", "serve", "--host", host, "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
        process_group=0,
        preexec_fn=_stop_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509 - started before any thread of ours
    )


def _stop_with_parent() -> None:
    """In the child before it runs: SIGTERM it when its parent dies (Linux's PR_SET_PDEATHSIG)."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def stop_child(child: subprocess.Popen[str], grace_s: float) -> bool:
    """SIGTERM, up to `grace_s` seconds, then SIGKILL to its whole group; False if it had to be killed."""
    if child.poll() is not None:
        return True
    child.terminate()
    try:
        child.wait(timeout=grace_s)
        return True
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    child.wait()
    return False


def _run(args: argparse.Namespace, simulator: subprocess.Popen[str], stop: StopSignal) -> int:
    # The front's modules (the delivery, its HTTP client, the site: about 0.13 s) load here, while
    # the simulator, already started, loads its own on the other core.
    from forwarder.front.front import FrontOptions
    from forwarder.front.serve import how_to_point, settings_lines
    from forwarder.front.server import FrontServer

    assert simulator.stdout is not None
    mock_url = simulator.stdout.readline().strip()
    if not mock_url.startswith("http"):
        print(f"make run: the simulator did not start on {args.host}:{args.mock_port} (see above)", file=sys.stderr)
        return EXIT_UNUSABLE
    options = FrontOptions(mock_url, args.settings, record_dir=args.record, setting_hints=MAKE_HINTS)
    front = FrontServer(options, host=args.host, port=args.front_port, drain_s=args.drain_timeout)
    try:
        front.start()
    except OSError as error:
        print(f"make run: the front cannot bind {args.host}:{args.front_port}: {error.strerror or error}", file=sys.stderr)
        return EXIT_UNUSABLE
    recorder = front.front.recorder
    print(
        mock_url,
        front.url,
        f"simulator console: {mock_url}/   (Heap's API at {mock_url}/api/...)",
        how_to_point(front.url),
        settings_lines(args.settings, MAKE_HINTS, recorder.directory, recorder.recording, "make run RECORD=DIR"),
        "Ctrl-C stops both.",
        sep="\n",
        flush=True,
    )
    if not args.no_demo:
        print(send_demo(front.url).line(front.url), flush=True)
    stop.wait()
    report = front.stop()
    if not report.complete:
        print(f"make run: the front could not send {report.unsent_heap_events} Heap events before stopping", file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
