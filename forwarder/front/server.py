"""`FrontServer`: a front on a real port, for `heap-forward serve`, `make run` and tests.

`with FrontServer(options) as server: server.url` starts the delivery thread and the HTTP layer's
waitress runner (which also recognises an https handshake sent to this plain-HTTP port and says
what to set). Leaving the block (or SIGTERM, under `heap-forward serve`) first stops taking
uploads (answered 503 with Retry-After while the socket is still open), delivers what is queued
within `drain_s`, then closes the socket.
"""

from __future__ import annotations

from typing import Self

import requests

from forwarder.clock import Clock
from forwarder.front.delivery import DrainReport
from forwarder.front.front import Front, FrontOptions
from forwarder.front.site import FrontSite
from http_layer.servers import SiteServer

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
        self.http = SiteServer(FrontSite(self.front, bound_host=host), server="waitress", host=host, port=port, threads=threads, ident="heap-forward")
        self.drain_s = drain_s
        self.report: DrainReport | None = None

    @property
    def url(self) -> str:
        return self.http.url

    def start(self) -> Self:
        """Bind (OSError when the port is taken), then serve and deliver in daemon threads."""
        self.http.start()
        self.front.public_url = self.url
        self.front.start()
        return self

    def drain(self) -> DrainReport:
        """Stop taking batches and deliver what is queued within `drain_s`; the socket stays open
        meanwhile. Once drained, the same report."""
        if self.report is None:
            self.report = self.front.stop(self.drain_s)
        return self.report

    def stop(self) -> DrainReport:
        """Drain, then close the socket; returns what could not be sent."""
        report = self.drain()
        self.http.stop()
        return report

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
