"""The simulator's WSGI front door: every request passes here before anything else.

Heap traffic (Heap's paths, and any path that is not the simulator's own) is served here: each
request gets an id and a journal record, the body-size limit and injected faults are applied, the
view in `views/heap_api.py` runs, errors are rendered, and the request is journaled and logged.
The simulator's own pages (control plane, console, OpenAPI) go on to Flask.

Why Heap's endpoints skip Flask's dispatch: measured with wrk on this project's 2-core machine,
Flask's per-request machinery (request and app contexts, routing, Response objects, hooks) cost
more than all of the simulator's own work on a track request, so the simulator could not come
near the rate of a bare Flask endpoint while it ran inside it. Here a request costs a dict lookup
to route and a tuple to answer; the views, validators and state are the same pure code as before.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import HTTPException

from heap_mock.answers import Answer, StartResponse, status_line
from heap_mock.bodies import read_body
from heap_mock.config import Config
from heap_mock.errors import MethodNotAllowed, RouteNotFound, Throttled, as_simulator_error, internal_error
from heap_mock.faults import FaultRule
from heap_mock.journal import Exchange
from heap_mock.lineage import lineage_of
from heap_mock.origin_policy import HostAllowList, RequestHead, refusal
from heap_mock.paths import is_simulator_path, request_path
from heap_mock.routes import find_heap_route
from heap_mock.simulator import Simulator
from heap_mock.unknowns import throttle_answer
from heap_mock.views.heap_api import HeapCall

WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

DROPPED_PROMISED_BYTES = "4096"

error_log = logging.getLogger("heap_mock.errors")


BODILESS_STATUSES = frozenset({204, 304})  # HTTP forbids a body on these answers


def fault_answer(rule: FaultRule) -> Answer:
    status = rule.status or 503
    text = rule.body if rule.body is not None else f"Injected fault #{rule.id}: {status}"
    headers = (("Retry-After", str(rule.retry_after)),) if rule.retry_after is not None else ()
    body = b"" if status in BODILESS_STATUSES else text.encode()
    return Answer(status, body, "text/plain; charset=utf-8", headers)


def shut_socket(environ: dict[str, Any]) -> bool:
    """Under waitress, close the client's socket before any answer, as a dropped connection does.

    waitress exposes its channel only through this bound method; other servers get the fallback:
    an answer that promises more bytes than it sends, so the connection breaks mid-answer.
    """
    probe = environ.get("waitress.client_disconnected")
    channel = getattr(probe, "__self__", None)
    sock = getattr(channel, "socket", None)
    if sock is None:
        return False
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    return True


class Ingress:
    """The WSGI callable a server runs: Heap traffic here, the simulator's own pages to `pages` (Flask)."""

    def __init__(self, sim: Simulator, pages: WSGIApp) -> None:
        self.sim = sim
        self.pages = pages
        self.hosts = HostAllowList.of(sim.config.allowed_hosts)
        self.hosts = HostAllowList.of(sim.config.allowed_hosts)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = request_path(environ)
        if is_simulator_path(path):
            return self._simulator_page(environ, start_response, path)
        sim = self.sim
        exchange = Exchange(sim.state.next_request_id(), environ["REQUEST_METHOD"].upper(), path, sim.clock.now())
        exchange.lineage = lineage_of(environ)  # lineage hook: opaque text from the sender
        answer = self._answer(exchange, environ)
        exchange.finish(answer.status)
        sim.state.journal.record(exchange)
        if sim.config.log_requests:
            sim.access_log.write(exchange)
        rule = exchange.fault
        if rule is not None and rule.drop_connection:
            # Only now, once journaled: a client that retries at once must find its dropped
            # request already in the journal, so the journal keeps the order things happened in.
            shut_socket(environ)
            start_response(status_line(rule.status or 200), [("Content-Type", "text/plain"), ("Content-Length", DROPPED_PROMISED_BYTES)])
            return iter([b""])  # an iterator, which granian streams as is (a list it would size itself)
        return answer.send(start_response, head_only=exchange.method == "HEAD")

    def _answer(self, exchange: Exchange, environ: dict[str, Any]) -> Answer:
        """Serve one Heap request; every error becomes an answer here, none escapes."""
        try:
            exchange.raw = read_body(environ, self.sim.config.max_body_bytes)
            refusing = self._apply_fault(exchange) if self.sim.state.faults.rules else None
            if refusing is not None:
                return fault_answer(refusing)
            answer = self._route(exchange, environ)
        except Exception as error:
            answer = render_error(error, exchange, self.sim.config)
        rule = exchange.fault
        if rule is not None and rule.answers and rule.after_processing:
            answer = fault_answer(rule)  # processed and stored, then the answer is lost
        return answer

    def _apply_fault(self, exchange: Exchange) -> FaultRule | None:
        """Note a matching fault rule and wait out its delay; the rule if it answers in place of the endpoint."""
        rule = self.sim.state.faults.match(exchange.method, exchange.path)
        if rule is None:
            return None
        exchange.fault = rule
        if rule.delay_ms:
            self.sim.delays.wait(rule.delay_ms / 1000.0)  # heap_mock/delay_room.py: keeps a thread for the control plane
        return rule if rule.answers and not rule.after_processing else None

    def _route(self, exchange: Exchange, environ: dict[str, Any]) -> Answer:
        found = find_heap_route(exchange.path)
        if found is None:
            raise RouteNotFound(f"no such endpoint: {exchange.method} {exchange.path}")
        route, path_param = found
        method = exchange.method
        if method == route.method or (method == "HEAD" and route.method == "GET"):
            return route.view(HeapCall(self.sim, exchange, environ, path_param))
        allowed = [route.method, "OPTIONS", *(["HEAD"] if route.method == "GET" else [])]
        if method == "OPTIONS":
            return Answer(200, b"", "text/plain; charset=utf-8", (("Allow", ", ".join(sorted(allowed))),))
        raise MethodNotAllowed(method, exchange.path, allowed)

    def _simulator_page(self, environ: dict[str, Any], start_response: StartResponse, path: str) -> Iterable[bytes]:
        """Hand a control-plane or console request to Flask, logging it unless it is a read.

        The console polls the control plane several times a second: its reads would drown the log.
        `heap_mock.origin_policy` turns away foreign Host names and cross-site writes first (logged,
        even as reads: they are attacks). Flask renders no errors (see `create_app`): they arrive here, for the one renderer.
        """
        sim = self.sim
        method = environ["REQUEST_METHOD"].upper()
        refused = refusal(RequestHead.from_environ(environ), self.hosts)  # cross-site and DNS rebinding guard
        logged = (method != "GET" or refused is not None) and sim.config.log_requests
        exchange = Exchange(sim.state.next_request_id() if logged else "", method, path, sim.clock.now())

        def start_and_record(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            exchange.finish(int(status[:3]))
            return start_response(status, headers, exc_info)

        try:
            if refused is not None:
                raise refused
            body = self.pages(environ, start_and_record)
        except Exception as error:
            answer = render_error(error, exchange, sim.config)
            exchange.finish(answer.status)
            body = answer.send(start_response, head_only=method == "HEAD")
        if logged:
            sim.access_log.write(exchange)
        return body


def render_error(error: Exception, exchange: Exchange, config: Config) -> Answer:
    """Every error of every request, Heap's or the simulator's own, as the client sees it.

    The exchange keeps the error so the journal and the access log name its rule. A throttled
    request gets the answer the config shapes (`heap_mock.unknowns`): Heap never documented it.
    """
    if isinstance(error, HTTPException):
        ours = as_simulator_error(error, exchange.method, exchange.path)
        exchange.error = ours
        return throttle_answer(ours, config) if isinstance(ours, Throttled) else ours.answer()
    error_log.exception("unexpected error on %s %s", exchange.method, exchange.path)  # a bug: the traceback is for us
    return internal_error(error)
