"""Running the simulator on a real HTTP server.

- `HeapMockServer`: for tests and Python users, waitress in a background thread on a free port,
  with in-process access to the app's state and clock.
- `serve_with_granian`: for `heap-mock serve`, granian (the fastest WSGI server we measured, see
  the README) in one worker process, so all requests share one state.
"""

from __future__ import annotations

import logging
import os
import sys
import socket
import threading
from collections.abc import Mapping
from typing import Any, Self

import orjson
from flask import Flask

from heap_mock.app import create_app
from heap_mock.clock import Clock
from heap_mock.config import Config
from heap_mock.delay_room import DelayRoom
from heap_mock.simulator import EXTENSION_KEY, Simulator

CONFIG_ENV = "HEAP_MOCK_CONFIG_JSON"
THREADS_ENV = "HEAP_MOCK_REQUEST_THREADS"
# granian logs to stdout by default, where its warnings (e.g. about many threads) would come before
# the base URL that must be the first line; its own handlers, pointed at stderr.
GRANIAN_LOG_TO_STDERR = {
    "handlers": {
        handler: {"formatter": formatter, "class": "logging.StreamHandler", "stream": "ext://sys.stderr"}
        for handler, formatter in (("console", "generic"), ("access", "access"))
    },
}


class HeapMockServer:
    """A simulator on a real port in a daemon thread. `with HeapMockServer() as mock: mock.url`."""

    def __init__(
        self,
        config: Mapping[str, Any] | Config | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
        threads: int = 8,
        app: Flask | None = None,
    ) -> None:
        self.app = app or create_app(config, clock=clock)
        self._host, self._port, self._threads = host, port, threads
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def simulator(self) -> Simulator:
        """In-process access to the running simulator's config, clock and state."""
        simulator: Simulator = self.app.extensions[EXTENSION_KEY]
        return simulator

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("HeapMockServer is not running; call start() or use it in a with block")
        return f"http://{self._host}:{self._server.effective_port}"

    def start(self) -> Self:
        from waitress.server import create_server  # type: ignore[import-untyped]

        self._server = create_server(self.app, host=self._host, port=self._port, threads=self._threads, ident="heap-mock")
        self.simulator.delays.capacity = DelayRoom.for_threads(self._threads).capacity
        self._thread = threading.Thread(target=self._server.run, name="heap-mock-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        # Close from inside the server's own loop, woken by its trigger, so stopping is immediate.
        try:
            server.trigger.pull_trigger(lambda: _close_waitress(server))
        except OSError:
            # The loop can run the queued close before our wake-up write, closing the trigger
            # under it; the server is stopping either way.
            pass
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _close_waitress(server: Any) -> None:
    from waitress import wasyncore  # type: ignore[import-untyped]

    server.task_dispatcher.shutdown(cancel_pending=True, timeout=1)
    wasyncore.close_all(server._map)


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def free_port(host: str) -> int:
    """A port the OS says is free now, for benchmarks and tests that start servers of their own."""
    with socket.socket(_family(host)) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def reserve_port(host: str, port: int) -> socket.socket:
    """Claim `host:port` (0: any free port) for granian, which binds by number in its own process.

    granian binds with SO_REUSEPORT, so a second simulator started on a port one already serves
    would bind as well and the two would split the traffic between them. A plain bind fails while
    anything holds the port, so it detects that (raising OSError). The socket returned is bound with
    SO_REUSEPORT and never listens: it takes no connections, shares the port with granian, and
    refuses every plain bind (another simulator's check, another `--port 0` pick) until it is
    closed, which the caller does once granian is listening.
    """
    with socket.socket(_family(host)) as probe:
        probe.bind((host, port))
        port = probe.getsockname()[1]
    reservation = socket.socket(_family(host))
    reservation.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        reservation.bind((host, port))
    except OSError:
        reservation.close()
        raise
    return reservation


def configure_logging() -> None:
    """One line per request on stderr."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("waitress").setLevel(logging.ERROR)


def app_from_environment() -> Flask:
    """The factory granian's worker calls: the config travels in an environment variable."""
    configure_logging()
    config = orjson.loads(os.environ.get(CONFIG_ENV, "{}"))
    app = create_app(config)
    if THREADS_ENV in os.environ:
        app.extensions[EXTENSION_KEY].delays.capacity = DelayRoom.for_threads(int(os.environ[THREADS_ENV])).capacity
    return app


def serve_with_granian(host: str, port: int, config: Config, *, threads: int = 2) -> None:
    """Serve until SIGINT or SIGTERM. Blocks."""
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    os.environ[CONFIG_ENV] = orjson.dumps(config.to_json()).decode()
    os.environ[THREADS_ENV] = str(threads)
    Granian(
        "heap_mock.server:app_from_environment",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=1,  # one process: the simulator's state lives in memory
        blocking_threads=threads,
        factory=True,
        log_level=LogLevels.warning,
        log_dictconfig=GRANIAN_LOG_TO_STDERR,
    ).serve()
