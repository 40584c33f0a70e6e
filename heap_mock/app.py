"""The app factory: `create_app(config=None, *, clock=None)` builds a fully configured simulator.

Around every request it assigns an id, applies injected faults, and afterwards journals the
request and logs one line. Errors of every kind are rendered in one place (`_render_error`), so
nothing ever answers with a traceback.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, g, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.exceptions import MethodNotAllowed as WerkzeugMethodNotAllowed
from werkzeug.exceptions import NotFound as WerkzeugNotFound
from werkzeug.wrappers import Response

from heap_mock.clock import Clock, SwitchableClock
from heap_mock.config import Config
from heap_mock.errors import BodyTooLarge, HeapMockError, MethodNotAllowed, RouteNotFound
from heap_mock.faults import FaultRule
from heap_mock.journal import Exchange, RequestLog
from heap_mock.simulator import EXTENSION_KEY, Simulator, current_simulator, json_response
from heap_mock.state import SimulatorState
from heap_mock.views.console import console
from heap_mock.views.control import control
from heap_mock.views.heap_api import heap_api

error_log = logging.getLogger("heap_mock.errors")


def create_app(config: Mapping[str, Any] | Config | None = None, *, clock: Clock | None = None) -> Flask:
    """Build a simulator app. `config` overrides the documented defaults; `clock` replaces the wall clock."""
    settings = config if isinstance(config, Config) else Config.from_mapping(config)
    app = Flask(__name__, static_folder=None)  # the console serves its own assets
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    switchable = clock if isinstance(clock, SwitchableClock) else SwitchableClock(clock)
    app.extensions[EXTENSION_KEY] = Simulator(settings, switchable, SimulatorState(settings), RequestLog())
    app.register_blueprint(heap_api)
    app.register_blueprint(control)
    app.register_blueprint(console)
    app.before_request(_begin_request)
    app.after_request(_finish_request)
    app.register_error_handler(HTTPException, _render_error)
    app.register_error_handler(Exception, _render_unexpected)
    return app


SIMULATOR_PAGES = frozenset({"/", "/openapi.json"})


def is_simulator_path(path: str) -> bool:
    """The simulator's own paths (control plane, console, OpenAPI), as opposed to Heap traffic.

    Only Heap traffic (and unknown paths) is journaled and can be faulted.
    """
    return path.startswith("/_mock") or path in SIMULATOR_PAGES


def _begin_request() -> Response | None:
    sim = current_simulator()
    req = request._get_current_object()  # type: ignore[attr-defined]
    exchange = Exchange(sim.state.next_request_id(), req.method, req.path, sim.clock.now())
    g.exchange = exchange
    limit = sim.config.max_body_bytes
    if req.content_length is not None and req.content_length > limit:
        raise BodyTooLarge(f"request body of {req.content_length} bytes is over the limit of {limit} bytes")
    if sim.state.faults.rules and not is_simulator_path(exchange.path):
        return _apply_fault_before(sim, exchange)
    return None


def _apply_fault_before(sim: Simulator, exchange: Exchange) -> Response | None:
    with sim.state.lock:
        rule = sim.state.faults.match(exchange.method, exchange.path)
    if rule is None:
        return None
    exchange.fault = rule
    if rule.delay_ms:
        time.sleep(rule.delay_ms / 1000.0)  # a real delay: it exists to trip client timeouts
    if rule.answers and not rule.after_processing:
        return _fault_response(rule)
    return None


def _fault_response(rule: FaultRule) -> Response:
    if rule.drop_connection:
        # Promise more bytes than are sent: where the socket cannot be shut (see _finish_request),
        # the connection breaks mid-answer.
        response = Response(iter([b""]), status=rule.status or 200, mimetype="text/plain")
        response.headers["Content-Length"] = "4096"
        return response
    text = rule.body if rule.body is not None else f"Injected fault #{rule.id}: {rule.status}"
    response = Response(text, status=rule.status or 503, mimetype="text/plain")
    if rule.retry_after is not None:
        response.headers["Retry-After"] = str(rule.retry_after)
    return response


def _shut_socket() -> bool:
    """Under waitress, close the client's socket before any answer, as a dropped connection does.

    waitress exposes its channel only through this bound method; other servers get the fallback.
    """
    probe = request.environ.get("waitress.client_disconnected")
    channel = getattr(probe, "__self__", None)
    sock = getattr(channel, "socket", None)
    if sock is None:
        return False
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    return True


def _finish_request(response: Response) -> Response:
    exchange: Exchange | None = g.get("exchange")
    if exchange is None:
        return response  # the request failed before it began (e.g. routing of a bad URL)
    rule = exchange.fault
    if rule is not None and rule.answers and rule.after_processing:
        response = _fault_response(rule)
    exchange.finish(response.status_code)
    sim = current_simulator()
    own_path = is_simulator_path(exchange.path)
    if not own_path:
        if exchange.raw is None:
            exchange.raw = _raw_body()
        sim.state.record_request(exchange)
    # The console polls the control plane several times a second: its reads would drown the log.
    if sim.config.log_requests and not (own_path and exchange.method == "GET"):
        sim.request_log.write(exchange)
    if rule is not None and rule.drop_connection:
        # Only now, once journaled: a client that retries at once must find its dropped
        # request already in the journal, so the journal keeps the order things happened in.
        _shut_socket()
    return response


def _raw_body() -> bytes:
    try:
        return request.get_data(cache=True)
    except RequestEntityTooLarge:
        return b""


def _render_error(error: HTTPException) -> Response:
    """Every HTTP error, ours or werkzeug's, answered in the simulator's own shape."""
    if isinstance(error, WerkzeugMethodNotAllowed):
        allowed = ", ".join(error.valid_methods or [])
        ours: HeapMockError = MethodNotAllowed(f"{request.method} is not allowed on {request.path}; allowed: {allowed}")
    elif isinstance(error, WerkzeugNotFound):
        ours = RouteNotFound(f"no such endpoint: {request.method} {request.path}")
    elif isinstance(error, RequestEntityTooLarge):
        ours = BodyTooLarge(f"request body is over the limit of {current_simulator().config.max_body_bytes} bytes")
    elif isinstance(error, HeapMockError):
        ours = error
    else:
        ours = RouteNotFound(error.description or error.name)
        ours.code = error.code or 400
    exchange: Exchange | None = g.get("exchange")
    if exchange is not None:
        exchange.error = ours
    response = ours.get_response()
    if isinstance(error, WerkzeugMethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _render_unexpected(error: Exception) -> Response:
    """A bug in the simulator: log the traceback for us, answer a JSON 500 without it."""
    error_log.exception("unexpected error on %s %s", request.method, request.path)
    return json_response({"error": "internal error", "message": f"{type(error).__name__} in the simulator; see its log"}, 500)
