"""The contract between a site (the simulator, the front) and the adapters that serve it.

An adapter drives one request through a site in four steps, the same under every server:

1. `site.begin(request)`, with the request's head only (method, path, query, headers): the site
   routes it and applies its policy, and either answers at once (404, 405, OPTIONS, a refused
   Host or cross-site write) or says how much body it will take and whether its view may run long.
2. The adapter reads the body (`http_layer.bodies`); a body that breaks a rule goes to `refuse`.
3. `delay_s` (a fault's delay, waited out by the adapter in its own way), then `respond`, which runs
   the view and never raises: the site renders its own errors, in its own API's shape.
4. `finish` with the answer, before it is sent (so a client that retries at once finds its request
   journaled), then the adapter sends it.

Sites never see a socket, a WSGI environ or an RSGI protocol; adapters never see a view.
"""

from __future__ import annotations

from typing import Protocol

from http_layer.answers import Answer
from http_layer.delays import DelayRoom
from http_layer.errors import HttpError
from http_layer.request import Request


class Handling(Protocol):
    """One request in a site's hands, from its head to its answer."""

    answer: Answer | None  # set when the site answers before any body is read
    body_limit: int
    blocking: bool  # the view may run long: under granian it runs on a thread, off the event loop

    def delay_s(self, request: Request) -> float: ...

    def respond(self, request: Request) -> Answer: ...

    def refuse(self, error: HttpError) -> Answer: ...

    def finish(self, answer: Answer) -> None: ...


class Site(Protocol):
    """What a server runs."""

    name: str  # for messages: "heap-mock", "heap-forward serve"
    delays: DelayRoom
    idle_timeout_s: float  # how long a client may stall mid-body (under granian) before 408

    def begin(self, request: Request) -> Handling: ...

    def on_tls_handshake(self, peer: str) -> None: ...  # a client spoke TLS to this plain-HTTP port (waitress sees it)

    def closed(self) -> None: ...  # the server stopped: write out what waits (the access log's last lines)
