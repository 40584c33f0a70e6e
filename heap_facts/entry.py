"""How every `heap-*` command starts and ends: `--version` from the installed metadata, and no
traceback when the reader of its output goes away (`| head`) or the user presses Ctrl-C.

The one module of heap_facts that touches the process (stdout, exit status); it lives here because
all three commands share it and heap_facts is the package every layer may import.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable
from importlib import metadata

DISTRIBUTION = "heap-sim"
SIGINT_EXIT = 130  # 128 + SIGINT, what a shell reports for a command stopped by Ctrl-C
SIGPIPE_EXIT = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader went away


def installed_version() -> str:
    """The installed heap-sim's version (from its metadata, so a wheel and a checkout agree)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def add_version_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"%(prog)s {installed_version()}")


def stop_on_signals() -> threading.Event:
    """An event set by SIGINT or SIGTERM, for a long-running command to wait on and then stop cleanly."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def guarded(main: Callable[[], int], prog: str) -> Callable[[], int]:
    """`main` as a console script: Ctrl-C exits 130 with one line, a closed pipe exits 141 quietly."""

    def run() -> int:
        try:
            try:
                return main()
            finally:
                sys.stdout.flush()  # a closed pipe shows here (after --help's SystemExit too), not at interpreter exit
        except KeyboardInterrupt:
            _say(f"{prog}: interrupted")
            return SIGINT_EXIT
        except BrokenPipeError:
            _silence_stdout()
            return SIGPIPE_EXIT

    return run


def _say(line: str) -> None:
    try:
        print(line, file=sys.stderr)
    except (BrokenPipeError, OSError):
        pass


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the flush at exit does not raise the same error again (Python's signal docs)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
