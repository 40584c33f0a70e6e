"""Which WSGI server carries a bare Flask endpoint fastest on this machine: the ceiling the issue names.

`python -m bench.survey_servers [SECONDS]` serves bench/bare_app.py's Flask `app` on every server below
that is installed, one process each, and loads it with wrk as bench_simulator does (2 threads,
8 connections, bench/track.lua). Servers that are not installed are listed as skipped, so the survey
runs anywhere; only granian and waitress are project dependencies. The other servers come from
PyPI (`pip install gunicorn uwsgi bjoern fastwsgi socketify cheroot`; bjoern needs libev-dev).
Not part of `python -m bench`: it needs wrk and servers the project does not depend on.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from bench.bench_simulator import CONNECTIONS, IDENTITY_POOL, LOAD_THREADS, TRACK_SCRIPT, wait_for_port
from bench.wrk import run_wrk, wrk_path
from heap_mock.server import free_port

APP = "bench.bare_app:app"

# Servers without a command line of their own are started by this one-line program.
_LAUNCH = {
    "bjoern": "import bjoern; from bench.bare_app import app; bjoern.run(app, '127.0.0.1', {port})",
    "fastwsgi": "import fastwsgi; from bench.bare_app import app; fastwsgi.run(wsgi_app=app, host='127.0.0.1', port={port})",
    "socketify": ("from socketify import WSGI, AppListenOptions; from bench.bare_app import app; "
                  "WSGI(app).listen(AppListenOptions(port={port}, host='127.0.0.1'), lambda c: None).run()"),
    "cheroot": ("from cheroot import wsgi; from bench.bare_app import app; "
                "wsgi.Server(('127.0.0.1', {port}), app, numthreads=4).safe_start()"),
}


def _granian(python: str, port: int, threads: int) -> list[str]:
    return [python, "-m", "granian", "--interface", "wsgi", "--port", str(port), "--workers", "1",
            "--blocking-threads", str(threads), "--log-level", "warning", APP]


def _commands(port: int) -> dict[str, tuple[str, list[str]]]:
    """Each configuration's name, a module its package installs (to tell whether it is), and its command line."""
    python = sys.executable
    uwsgi = str(Path(python).with_name("uwsgi"))
    commands: dict[str, tuple[str, list[str]]] = {
        "granian, 1 thread": ("granian", _granian(python, port, 1)),
        "granian, 2 threads": ("granian", _granian(python, port, 2)),
        "waitress, 4 threads": ("waitress", [python, "-m", "waitress", f"--listen=127.0.0.1:{port}", "--threads=4", APP]),
        "gunicorn sync, 1 worker": ("gunicorn", [python, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", APP]),
        "gunicorn gthread, 2 threads": ("gunicorn", [python, "-m", "gunicorn", "-w", "1", "-k", "gthread", "--threads", "2",
                                                     "-b", f"127.0.0.1:{port}", APP]),
        "uwsgi, 1 process": ("uwsgidecorators", [uwsgi, "--http11-socket", f"127.0.0.1:{port}", "--processes", "1",
                                                 "--master", "--die-on-term", "--module", APP, "--disable-logging"]),
    }
    for module, program in _LAUNCH.items():
        commands[module] = (module, [python, "-c", program.format(port=port)])
    return commands


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL for a server that will not stop, so one stuck server cannot end the survey."""
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def survey(seconds: int) -> dict[str, float]:
    """Requests/s per installed server, after a 2 s warm-up; prints a line per server as it goes."""
    wrk = wrk_path()
    if wrk is None:
        raise SystemExit("bench.survey_servers needs wrk on PATH (apt-get install wrk)")
    rates: dict[str, float] = {}
    for name in _commands(0):  # the names; each server gets its own port below
        port = free_port("127.0.0.1")
        module, command = _commands(port)[name]
        if not _installed(module):
            print(f"{name:30} skipped: {module} is not installed", flush=True)
            continue
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port)
            url, args = f"http://127.0.0.1:{port}/api/track", [str(IDENTITY_POOL), str(LOAD_THREADS)]
            run_wrk(wrk, url, TRACK_SCRIPT, 2, threads=LOAD_THREADS, connections=CONNECTIONS, script_args=args)
            result = run_wrk(wrk, url, TRACK_SCRIPT, seconds, threads=LOAD_THREADS, connections=CONNECTIONS, script_args=args)
        finally:
            _stop(process)
        rates[name] = result.rate
        print(f"{name:30} {result.rate:9.0f} req/s  p50 {result.p50_ms:.2f} ms  p99 {result.p99_ms:.2f} ms"
              f"  failures {result.failures}", flush=True)
    return rates


if __name__ == "__main__":
    survey(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
