"""The app factory: `create_app(config=None, *, clock=None)` builds a fully configured simulator.

The app is a Flask app whose `wsgi_app` is the simulator's front door (`heap_mock.ingress`):
Heap's endpoints are served there, and the simulator's own pages (control plane, console,
OpenAPI) by the Flask views registered here. Flask's errors are rendered in the simulator's shape
by `_render_error`, so nothing ever answers with a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.exceptions import MethodNotAllowed as WerkzeugMethodNotAllowed
from werkzeug.exceptions import NotFound as WerkzeugNotFound
from werkzeug.wrappers import Response

from heap_mock.clock import Clock, SwitchableClock
from heap_mock.config import Config
from heap_mock.errors import BodyTooLarge, HeapMockError, MethodNotAllowed, RouteNotFound
from heap_mock.ingress import EXCHANGE_KEY, Ingress
from heap_mock.journal import RequestLog
from heap_mock.simulator import EXTENSION_KEY, Simulator, current_simulator, json_response
from heap_mock.state import SimulatorState
from heap_mock.views.console import console
from heap_mock.views.control import control

error_log = logging.getLogger("heap_mock.errors")


def create_app(config: Mapping[str, Any] | Config | None = None, *, clock: Clock | None = None) -> Flask:
    """Build a simulator app. `config` overrides the documented defaults; `clock` replaces the wall clock."""
    settings = config if isinstance(config, Config) else Config.from_mapping(config)
    app = Flask(__name__, static_folder=None)  # the console serves its own assets
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    switchable = clock if isinstance(clock, SwitchableClock) else SwitchableClock(clock)
    simulator = Simulator(settings, switchable, SimulatorState(settings), RequestLog())
    app.extensions[EXTENSION_KEY] = simulator
    app.register_blueprint(control)
    app.register_blueprint(console)
    app.register_error_handler(HTTPException, _render_error)
    app.register_error_handler(Exception, _render_unexpected)
    app.wsgi_app = Ingress(simulator, app.wsgi_app)  # type: ignore[method-assign]
    return app


def _render_error(error: HTTPException) -> Response:
    """Every HTTP error on the simulator's own pages, ours or werkzeug's, in the simulator's shape."""
    if isinstance(error, WerkzeugMethodNotAllowed):
        ours: HeapMockError = MethodNotAllowed(request.method, request.path, list(error.valid_methods or []))
    elif isinstance(error, WerkzeugNotFound):
        ours = RouteNotFound(f"no such endpoint: {request.method} {request.path}")
    elif isinstance(error, RequestEntityTooLarge):
        ours = BodyTooLarge(f"request body is over the limit of {current_simulator().config.max_body_bytes} bytes")
    elif isinstance(error, HeapMockError):
        ours = error
    else:
        ours = RouteNotFound(error.description or error.name)
        ours.code = error.code or 400
    exchange = request.environ.get(EXCHANGE_KEY)
    if exchange is not None:
        exchange.error = ours  # the log line names the rule
    return ours.get_response()


def _render_unexpected(error: Exception) -> Response:
    """A bug in the simulator: log the traceback for us, answer a JSON 500 without it."""
    error_log.exception("unexpected error on %s %s", request.method, request.path)
    return json_response({"error": "internal error", "message": f"{type(error).__name__} in the simulator; see its log"}, 500)
