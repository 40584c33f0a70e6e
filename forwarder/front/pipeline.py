"""`make run`: the whole pipeline on one machine, in one command.

Starts the simulator (`heap-mock serve`, its own process) and the front (`heap-forward serve`'s
server, here) delivering to it, prints both URLs and how to point an SDK at the front, then sends
the bundled demo batches through the front as an SDK would. Ctrl-C or SIGTERM stops both: the
front first, draining what is queued, then the simulator.

Output on stdout: line 1 the simulator's URL, line 2 the front's URL, then the how-to lines.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
from collections.abc import Sequence

from forwarder.front.demo import DEMO_SETTINGS, send_demo
from forwarder.front.front import FrontOptions
from forwarder.front.malloc import share_malloc_arenas
from forwarder.front.serve import how_to_point
from forwarder.front.server import FrontServer
from heap_facts.entry import stop_on_signals

DRAIN_S = 10.0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m forwarder.front.pipeline", description="The simulator and the front together, with demo data."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address both bind (default: 127.0.0.1)")
    parser.add_argument("--mock-port", type=int, default=8080, help="the simulator's port; 0 picks a free one (default: 8080)")
    parser.add_argument("--front-port", type=int, default=8081, help="the front's port; 0 picks a free one (default: 8081)")
    parser.add_argument("--no-demo", action="store_true", help="start empty: send no demo batches")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    stop = stop_on_signals()
    share_malloc_arenas()  # before the front's threads start (forwarder/front/malloc.py)
    simulator = subprocess.Popen(
        [sys.executable, "-m", "heap_mock", "serve", "--host", args.host, "--port", str(args.mock_port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        return _run(args, simulator, stop)
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)


def _run(args: argparse.Namespace, simulator: subprocess.Popen[str], stop: threading.Event) -> int:
    assert simulator.stdout is not None
    mock_url = simulator.stdout.readline().strip()
    if not mock_url.startswith("http"):
        print(f"make run: the simulator did not start on {args.host}:{args.mock_port} (see above)", file=sys.stderr)
        return 2
    front = FrontServer(FrontOptions(mock_url, DEMO_SETTINGS), host=args.host, port=args.front_port, drain_s=DRAIN_S)
    try:
        front.start()
    except OSError as error:
        print(f"make run: the front cannot bind {args.host}:{args.front_port}: {error.strerror or error}", file=sys.stderr)
        return 2
    print(
        mock_url,
        front.url,
        f"simulator console: {mock_url}/   (Heap's API at {mock_url}/api/...)",
        how_to_point(front.url),
        sep="\n",
        flush=True,
    )
    if not args.no_demo:
        print(send_demo(front.url).line(front.url), flush=True)
    stop.wait()
    report = front.stop()
    if not report.complete:
        print(f"make run: the front could not send {report.unsent_heap_events} Heap events before stopping", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
