"""The app factory: `create_app(config=None, *, clock=None)` builds a fully configured simulator.

The app is a Flask app whose `wsgi_app` is the simulator's front door (`heap_mock.ingress`).
Every route comes from one table (`heap_mock.routes`): Heap's are served by the front door, the
simulator's own pages by Flask views registered here from the same table. Flask renders no
errors: HTTP errors propagate to the front door, which renders every error in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask
from werkzeug.wrappers import Response

from heap_mock.access_log import AccessLog
from heap_mock.answers import Answer
from heap_mock.clock import Clock, SwitchableClock
from heap_mock.config import Config
from heap_mock.ingress import Ingress
from heap_mock.routes import HEAP, ROUTES, Route
from heap_mock.simulator import EXTENSION_KEY, Simulator
from heap_mock.state import SimulatorState


def create_app(config: Mapping[str, Any] | Config | None = None, *, clock: Clock | None = None) -> Flask:
    """Build a simulator app. `config` overrides the documented defaults; `clock` replaces the wall clock."""
    settings = config if isinstance(config, Config) else Config.from_mapping(config)
    app = Flask(__name__, static_folder=None)  # the console serves its own assets
    app.json.sort_keys = False  # type: ignore[attr-defined]
    # Errors, werkzeug's routing errors among them, go to the front door's one renderer.
    app.config.update(TRAP_HTTP_EXCEPTIONS=True, PROPAGATE_EXCEPTIONS=True)
    switchable = clock if isinstance(clock, SwitchableClock) else SwitchableClock(clock)
    app.extensions[EXTENSION_KEY] = Simulator(settings, switchable, SimulatorState(settings), AccessLog())
    for route in ROUTES:
        if route.family != HEAP:
            app.add_url_rule(route.flask_rule(), endpoint=f"{route.family}.{route.view.__name__}", view_func=_as_flask_view(route), methods=[route.method])
    app.wsgi_app = Ingress(app.extensions[EXTENSION_KEY], app.wsgi_app)  # type: ignore[method-assign]
    return app


def _as_flask_view(route: Route) -> Callable[..., Response]:
    """Flask's view for a route: the route's view, with an `Answer` turned into a Response."""
    view = route.view

    def flask_view(**params: Any) -> Response:
        result = view(**params)
        return result.to_response() if isinstance(result, Answer) else result

    flask_view.__name__ = view.__name__
    return flask_view
