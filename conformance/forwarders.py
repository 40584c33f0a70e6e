"""The forwarder under test: ours in-process, any Python callable, or any program.

How each is kept fast through minutes of rate-limit windows:

- In-process forwarders (ours, `module:function`) run in virtual time. The simulator's clock
  stands still; `target.sleep(s)` moves it forward by `s` and `target.now()` reads it. A wait of
  a minute costs a function call.
- A program (`--forwarder-cmd`) sleeps for real, so the simulator's clock runs `time_scale` times
  faster than the wall clock. Retry-After headers are then in real seconds (a 30 s wait at 30x
  says `Retry-After: 1`), and `HEAP_TIME_SCALE` tells a program that paces itself to divide its
  own waits by that factor.
"""

from __future__ import annotations

import importlib
import json
import os
import random
import shlex
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from conformance.fixtures import ForwarderSettings
from conformance.results import BatchDelivery

DEFAULT_TIME_SCALE = 30.0
DEFAULT_COMMAND_TIMEOUT_S = 120.0
OUTPUT_LIMIT = 4000  # characters of a program's stdout and of its stderr kept per batch (the tail), so memory stays bounded


@dataclass(frozen=True)
class Target:
    """Where and how a forwarder under test delivers: the simulator's URL, the settings, and time."""

    heap_url: str
    settings: ForwarderSettings
    now: Callable[[], float]  # the simulator's clock, epoch seconds
    sleep: Callable[[float], None]  # waits in the simulator's time
    time_scale: float = 0.0  # 0: virtual time (sleep moves the clock); N: the clock runs N times faster


class Delivery(Protocol):
    def deliver(self, batches: list[dict[str, Any]], first_index: int) -> list[BatchDelivery]: ...


class ForwarderUnderTest(Protocol):
    """A forwarder the suite can run: `open` is called once per fixture run."""

    @property
    def name(self) -> str: ...

    @property
    def time_scale(self) -> float:
        """0 to run in virtual time; N for a real-time program, whose clock the simulator scales N times."""
        ...

    @property
    def is_ours(self) -> bool: ...

    def open(self, target: Target) -> Delivery: ...


class ForwarderLoadError(ValueError):
    """A `--forwarder module:function` that cannot be imported or called."""


# --- ours -------------------------------------------------------------------------------------


class OurForwarder:
    """`forwarder.Forwarder` in-process, in virtual time, with a seeded jitter so runs repeat."""

    name = "ours (forwarder.Forwarder, in-process)"
    time_scale = 0.0
    is_ours = True

    def open(self, target: Target) -> Delivery:
        from forwarder import Forwarder, Settings
        from forwarder.clock import FunctionClock

        settings = Settings(**asdict(target.settings))
        forwarder = Forwarder(settings, target.heap_url, clock=FunctionClock(target.now, target.sleep), rng=random.Random(0))
        return _OurDelivery(forwarder)


class _OurDelivery:
    def __init__(self, forwarder: Any) -> None:
        self.forwarder = forwarder

    def deliver(self, batches: list[dict[str, Any]], first_index: int) -> list[BatchDelivery]:
        started = time.perf_counter()
        results = self.forwarder.forward_many(batches)
        real_s = (time.perf_counter() - started) / max(1, len(results))
        return [BatchDelivery(first_index + offset, result.ok, _our_detail(result), real_s) for offset, result in enumerate(results)]


def _our_detail(result: Any) -> str:
    if result.rejected:
        return f"rejected: {result.rejected}"
    return "; ".join(f"{failed.request.path} failed after {failed.attempts} attempt(s): {failed.reason}" for failed in result.failed)


# --- any Python callable ----------------------------------------------------------------------

ForwardFunction = Callable[[dict[str, Any], Target], Any]


@dataclass(frozen=True)
class CallableForwarder:
    """`function(batch, target)` per batch, in virtual time: it should wait with `target.sleep`.

    Returning normally (anything but False) means delivered; raising or returning False means not.
    """

    function: ForwardFunction
    label: str = ""
    time_scale: float = 0.0
    is_ours: bool = False

    @property
    def name(self) -> str:
        return self.label or f"{self.function.__module__}:{getattr(self.function, '__qualname__', repr(self.function))}"

    def open(self, target: Target) -> Delivery:
        return _CallableDelivery(self.function, target)


class _CallableDelivery:
    def __init__(self, function: ForwardFunction, target: Target) -> None:
        self.function, self.target = function, target

    def deliver(self, batches: list[dict[str, Any]], first_index: int) -> list[BatchDelivery]:
        return [self._one(first_index + offset, batch) for offset, batch in enumerate(batches)]

    def _one(self, index: int, batch: dict[str, Any]) -> BatchDelivery:
        started = time.perf_counter()
        try:
            returned = self.function(batch, self.target)
        except Exception as error:
            return BatchDelivery(index, False, f"raised {type(error).__name__}: {error}", time.perf_counter() - started)
        return BatchDelivery(index, returned is not False, "returned False" if returned is False else "", time.perf_counter() - started)


def load_callable(spec: str) -> CallableForwarder:
    """`package.module:function` to a CallableForwarder, or a ForwarderLoadError saying what is wrong."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ForwarderLoadError(f"--forwarder should be module:function, got {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ForwarderLoadError(f"cannot import {module_name!r}: {error}") from None
    function = getattr(module, attribute, None)
    if not callable(function):
        raise ForwarderLoadError(f"{module_name!r} has no callable {attribute!r}")
    return CallableForwarder(function, spec)


# --- any program --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommandForwarder:
    """A program run once per batch: the batch JSON on stdin, settings in HEAP_* variables, exit 0 when delivered."""

    command: str
    time_scale: float = DEFAULT_TIME_SCALE
    timeout_s: float = DEFAULT_COMMAND_TIMEOUT_S
    is_ours: bool = False

    @property
    def name(self) -> str:
        return f"command: {self.command}"

    def open(self, target: Target) -> Delivery:
        return _CommandDelivery(self, target)


class _CommandDelivery:
    def __init__(self, spec: CommandForwarder, target: Target) -> None:
        self.spec = spec
        self.argv = shlex.split(spec.command)
        self.env = {**os.environ, **command_environment(target)}

    def deliver(self, batches: list[dict[str, Any]], first_index: int) -> list[BatchDelivery]:
        return [self._one(first_index + offset, batch) for offset, batch in enumerate(batches)]

    def _one(self, index: int, batch: dict[str, Any]) -> BatchDelivery:
        """Run the program on one batch, keeping its exit status and what it printed, also when it exits 0."""
        started = time.perf_counter()
        try:
            done = subprocess.run(
                self.argv, input=json.dumps(batch).encode(), env=self.env, capture_output=True, timeout=self.spec.timeout_s, check=False
            )
        except subprocess.TimeoutExpired as error:
            took = time.perf_counter() - started
            return BatchDelivery(index, False, f"could not run: {error}", took, None, output_text(error.stdout), output_text(error.stderr))
        except OSError as error:
            return BatchDelivery(index, False, f"could not run: {error}", time.perf_counter() - started)
        detail = "" if done.returncode == 0 else f"exit {done.returncode}: {_tail(done.stderr)}"
        took = time.perf_counter() - started
        return BatchDelivery(index, done.returncode == 0, detail, took, done.returncode, output_text(done.stdout), output_text(done.stderr))


def output_text(output: bytes | str | None) -> str:
    """A program's output as text, its last OUTPUT_LIMIT characters when longer."""
    text = output.decode("utf-8", errors="replace") if isinstance(output, bytes) else output or ""
    return text if len(text) <= OUTPUT_LIMIT else f"[... {len(text) - OUTPUT_LIMIT} characters before]" + text[-OUTPUT_LIMIT:]


def command_environment(target: Target) -> dict[str, str]:
    """What a `--forwarder-cmd` program is told: where Heap is, the settings, and how fast time runs."""
    return {"HEAP_URL": target.heap_url, **target.settings.environment(), "HEAP_TIME_SCALE": f"{max(target.time_scale, 1.0):g}"}


def _tail(stderr: bytes, lines: int = 3) -> str:
    text = stderr.decode("utf-8", errors="replace").strip().splitlines()
    return " | ".join(text[-lines:]) if text else "(no stderr)"
