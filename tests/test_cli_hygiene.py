"""Every `heap-*` command as installed: `--version` from the package metadata (through the console
script's entry point), and, run as the console script, no traceback when its reader goes away
(`| head`) or on Ctrl-C."""

from __future__ import annotations

import io
import os
import shlex
import signal
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

import forwarder.cli

BIN = Path(sys.executable).parent
COMMANDS = ["heap-mock", "heap-forward", "heap-conformance"]


@pytest.mark.parametrize("command", COMMANDS)
def test_version_comes_from_the_installed_metadata(command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # The function the installed console script calls, as its entry point names it, in this process
    # (the closed-pipe tests below run each script as a process).
    (entry,) = [entry for entry in metadata.entry_points(group="console_scripts", name=command) if entry.dist and entry.dist.name == "heap-sim"]
    monkeypatch.setattr(sys, "argv", [str(BIN / command), "--version"])
    with pytest.raises(SystemExit) as exited:
        entry.load()()
    assert (exited.value.code, capsys.readouterr().out) == (0, f"{command} {metadata.version('heap-sim')}\n")


@pytest.mark.parametrize(
    ("command", "argv", "unbuffered"),
    [("heap-mock", ["--help"], ""), ("heap-forward", ["--help"], ""), ("heap-conformance", ["--list-rules"], ""), ("heap-conformance", ["--list-rules"], "1")],
    ids=["heap-mock", "heap-forward", "heap-conformance", "heap-conformance-unbuffered"],
)
def test_a_closed_pipe_ends_the_command_quietly(command: str, argv: list[str], unbuffered: str) -> None:
    """As `heap-conformance --list-rules | head -0`: the reader is gone before the first write.

    Exit 141 (128 + SIGPIPE), as a shell reports it; argparse's --help swallows the error itself
    when stdout is unbuffered, and exits 0."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"} | ({"PYTHONUNBUFFERED": "1"} if unbuffered else {})
    process = subprocess.Popen([BIN / command, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read().decode()
    process.stderr.close()
    code = process.wait(timeout=60)
    assert code == 141 or (code == 0 and unbuffered and argv == ["--help"]), (code, stderr)
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr


# Runs a command with SIGINT at its default disposition, as a terminal starts it, whatever this test
# run inherited: a script's background job (`make test &`) has SIGINT ignored, an ignored signal
# stays ignored across exec, and Python then sets no KeyboardInterrupt handler, so the Ctrl-C test
# below timed out when the suite was started that way.
AS_FROM_A_TERMINAL = [sys.executable, "-c", "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"]


def test_ctrl_c_stops_a_conformance_run_with_one_line(tmp_path: Path) -> None:
    started = tmp_path / "started"
    program = shlex.join(["sh", "-c", f"touch {started}; exec sleep 60"])
    argv = [*AS_FROM_A_TERMINAL, str(BIN / "heap-conformance"), "--forwarder-cmd", program, "--rules", "MAP-SESSION"]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(600):  # waits for the forwarder program to start, not for time to pass
        if started.exists() or process.poll() is not None:
            break
        subprocess.run(["sleep", "0.05"], check=True)
    assert started.exists(), process.communicate(timeout=5)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "heap-conformance: interrupted"
    assert "Traceback" not in stderr


class _InterruptedStdin(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        raise KeyboardInterrupt


def test_ctrl_c_while_heap_forward_reads_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["heap-forward", "--heap-url", "http://127.0.0.1:9", "--app-id", "1", "-"])
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(_InterruptedStdin())))
    assert forwarder.cli.run_cli() == 130
    assert capsys.readouterr().err.strip() == "heap-forward: interrupted"
