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

from heap_mock.answers import Answer, StartResponse, json_answer, status_line
from heap_mock.chunked_body import read_chunked
from heap_mock.errors import BodyIncomplete, BodyTooLarge, HeapMockError, MethodNotAllowed, RouteNotFound
from heap_mock.faults import FaultRule
from heap_mock.journal import Exchange
from heap_mock.origin_policy import HostAllowList, RequestHead, refusal
from heap_mock.simulator import Simulator
from heap_mock.views.heap_api import HeapCall, find_heap_route

WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# The exchange of a logged control-plane request, for Flask's error handler to name its rule.
EXCHANGE_KEY = "heap_mock.exchange"
SIMULATOR_PAGES = frozenset({"/", "/openapi.json"})
DROPPED_PROMISED_BYTES = "4096"

error_log = logging.getLogger("heap_mock.errors")


def is_simulator_path(path: str) -> bool:
    """The simulator's own paths (control plane, console, OpenAPI), as opposed to Heap traffic.

    Only Heap traffic (and unknown paths) is journaled and can be faulted.
    """
    return path.startswith("/_mock") or path in SIMULATOR_PAGES


def request_path(environ: dict[str, Any]) -> str:
    """The path as werkzeug would give it: UTF-8 decoded (PEP 3333 passes latin-1), one leading slash."""
    raw: str = environ.get("PATH_INFO") or "/"
    if not raw.isascii():
        raw = raw.encode("latin-1", "replace").decode("utf-8", "replace")
    return raw if raw.startswith("/") and not raw.startswith("//") else "/" + raw.lstrip("/")


def content_length(environ: dict[str, Any]) -> int | None:
    value = environ.get("CONTENT_LENGTH")
    if not value:
        return None
    try:
        return max(int(value), 0)
    except ValueError:
        return None


def read_body(environ: dict[str, Any], limit: int) -> bytes:
    """The whole body, refused with 413 past `limit` bytes before any of it is read where possible."""
    length = content_length(environ)
    stream = environ["wsgi.input"]
    if length is not None:
        if length > limit:
            raise BodyTooLarge(f"request body of {length} bytes is over the limit of {limit} bytes")
        body: bytes = stream.read(length) if length else b""
        if len(body) < length:  # the client closed early: a cut body must not pass for a whole one
            raise BodyIncomplete(f"request body ended after {len(body)} of the {length} bytes its Content-Length promised")
        return body
    if not environ.get("wsgi.input_terminated"):
        return b""  # no length and no end marker: WSGI says there is no body to read
    return read_chunked(stream, limit)  # a chunked body: heap_mock/chunked_body.py refuses one cut short


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

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = request_path(environ)
        if is_simulator_path(path):
            return self._simulator_page(environ, start_response, path)
        sim = self.sim
        exchange = Exchange(sim.state.next_request_id(), environ["REQUEST_METHOD"].upper(), path, sim.clock.now())
        answer = self._answer(exchange, environ)
        exchange.finish(answer.status)
        sim.state.record_request(exchange)
        if sim.config.log_requests:
            sim.request_log.write(exchange)
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
        except HeapMockError as error:
            exchange.error = error
            answer = error.answer()
        except Exception as error:  # a bug in the simulator: log the traceback, answer without it
            error_log.exception("unexpected error on %s %s", exchange.method, exchange.path)
            answer = json_answer({"error": "internal error", "message": f"{type(error).__name__} in the simulator; see its log"}, 500)
        rule = exchange.fault
        if rule is not None and rule.answers and rule.after_processing:
            answer = fault_answer(rule)  # processed and stored, then the answer is lost
        return answer

    def _apply_fault(self, exchange: Exchange) -> FaultRule | None:
        """Note a matching fault rule and wait out its delay; the rule if it answers in place of the endpoint."""
        state = self.sim.state
        with state.lock:
            rule = state.faults.match(exchange.method, exchange.path)
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
        """
        sim = self.sim
        method = environ["REQUEST_METHOD"].upper()
        refused = refusal(RequestHead.from_environ(environ), self.hosts)  # cross-site and DNS rebinding guard
        if refused is not None:
            return self._refuse_page(refused, method, path, start_response)
        if method == "GET" or not sim.config.log_requests:
            return self.pages(environ, start_response)
        exchange = Exchange(sim.state.next_request_id(), method, path, sim.clock.now())
        environ[EXCHANGE_KEY] = exchange

        def start_and_record(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            exchange.finish(int(status[:3]))
            return start_response(status, headers, exc_info)

        body = self.pages(environ, start_and_record)
        sim.request_log.write(exchange)
        return body

    def _refuse_page(self, error: HeapMockError, method: str, path: str, start_response: StartResponse) -> Iterable[bytes]:
        """Answer a request the origin policy turned away from the simulator's own pages, and log it."""
        answer = error.answer()
        if self.sim.config.log_requests:
            exchange = Exchange(self.sim.state.next_request_id(), method, path, self.sim.clock.now())
            exchange.error = error
            exchange.finish(answer.status)
            self.sim.request_log.write(exchange)
        return answer.send(start_response, head_only=method == "HEAD")
