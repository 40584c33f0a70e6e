"""`FrontServer`: a front on a real port, waitress in a daemon thread, for `heap-forward serve` and tests.

`with FrontServer(options) as server: server.url` starts the delivery thread and the server;
leaving the block (or SIGTERM, under `heap-forward serve`) stops taking uploads, answering them 503
with Retry-After, drains the queue within `drain_s`, and only then closes the socket.
"""

from __future__ import annotations

import threading
from typing import Any, Self

import requests

from forwarder.clock import Clock
from forwarder.front.app import create_front_app
from forwarder.front.delivery import DrainReport
from forwarder.front.front import Front, FrontOptions

DEFAULT_DRAIN_S = 30.0


class FrontServer:
    def __init__(
        self,
        options: FrontOptions,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = 8,
        session: requests.Session | None = None,
        clock: Clock | None = None,
        drain_s: float = DEFAULT_DRAIN_S,
    ) -> None:
        self.front = Front(options, session=session, clock=clock)
        self.app = create_front_app(self.front)
        self._host, self._port, self._threads, self.drain_s = host, port, threads, drain_s
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.report: DrainReport | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FrontServer is not running; call start() or use it in a with block")
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._server.effective_port}"

    def start(self) -> Self:
        """Bind (OSError when the port is taken), then serve in a daemon thread."""
        from waitress.server import create_server  # type: ignore[import-untyped]

        self._server = create_server(self.app, host=self._host, port=self._port, threads=self._threads, ident="heap-forward")
        self.front.public_url = self.url
        self.front.start()
        self._thread = threading.Thread(target=self._server.run, name="heap-forward-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> DrainReport:
        """Stop taking uploads (503 with Retry-After while the socket is open), deliver what is queued
        within `drain_s`, then close the socket; returns what could not be sent. Once stopped, the same report."""
        if self.report is not None:
            return self.report
        self.report = self.front.stop(self.drain_s)
        server, self._server = self._server, None
        if server is not None:
            try:
                server.trigger.pull_trigger(lambda: _close_waitress(server))
            except OSError:
                pass  # the loop closed the trigger first; it is stopping either way
            if self._thread is not None:
                self._thread.join(timeout=5)
        return self.report

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _close_waitress(server: Any) -> None:
    from waitress import wasyncore  # type: ignore[import-untyped]

    server.task_dispatcher.shutdown(cancel_pending=False, timeout=5)
    wasyncore.close_all(server._map)
