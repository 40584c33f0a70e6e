"""The pieces one running simulator shares between its views: config, clock and state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from flask import current_app
from werkzeug.wrappers import Response

from heap_mock.clock import SwitchableClock
from heap_mock.config import Config
from heap_mock.delay_room import DelayRoom
from heap_mock.journal import RequestLog
from heap_mock.state import SimulatorState

EXTENSION_KEY = "heap_mock"


@dataclass
class Simulator:
    config: Config
    clock: SwitchableClock
    state: SimulatorState
    request_log: RequestLog
    # Where delayed requests wait; the server running the app sets its capacity from its thread count.
    delays: DelayRoom = field(default_factory=DelayRoom)


def current_simulator() -> Simulator:
    simulator: Simulator = current_app.extensions[EXTENSION_KEY]
    return simulator


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status=status, mimetype="application/json")
