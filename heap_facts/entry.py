"""How every `heap-*` command starts and ends: `--version` from the installed metadata, no
traceback when the reader of its output goes away (`| head`) or the user presses Ctrl-C, and
packages whose names load on first use (`lazy_exports`), so a command loads only what it runs.

The one module of heap_facts that touches the process (stdout, exit status); it lives here because
all three commands share it and heap_facts is the package every layer may import.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

DISTRIBUTION = "heap-sim"
SIGINT_EXIT = 130  # 128 + SIGINT, what a shell reports for a command stopped by Ctrl-C
SIGPIPE_EXIT = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader went away


def installed_version() -> str:
    """The installed heap-sim's version (from its metadata, so a wheel and a checkout agree)."""
    from importlib import metadata  # here, not at import: reading metadata costs every command's start 30 ms

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


class _VersionAction(argparse.Action):
    """`--version`, its text read only when asked for."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="show the program's version and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object, option_string: str | None = None) -> None:
        parser._print_message(f"{parser.prog} {installed_version()}\n", sys.stdout)
        parser.exit()


def add_version_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action=_VersionAction)


class StopSignal:
    """Set by SIGINT or SIGTERM, for a long-running command to wait on and then stop cleanly.

    The handler only sets a flag. A signal handler runs in the main thread between two of its
    bytecodes, possibly while that thread holds a lock, so a handler that takes a lock (as
    `threading.Event.set` does) can wait on itself forever: a `make run` that got two signals at once
    hung that way. `wait` looks at the flag every `POLL_S`, so a stop takes effect within that time.
    """

    POLL_S = 0.01

    def __init__(self) -> None:
        self._set = False

    def set(self) -> None:
        self._set = True

    def is_set(self) -> bool:
        return self._set

    def wait(self) -> None:
        while not self._set:
            time.sleep(self.POLL_S)  # the handler runs during the sleep; the flag is read after it


def stop_on_signals() -> StopSignal:
    """A flag set by SIGINT or SIGTERM (see StopSignal)."""
    stop = StopSignal()
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


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A package's module `__getattr__` (PEP 562): each name of `exports` imported from its module on first use."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(exports[name]), name)

    return __getattr__
