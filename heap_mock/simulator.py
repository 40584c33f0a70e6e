"""The pieces one running simulator shares between its views: config, clock and state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from flask import current_app, request
from werkzeug.wrappers import Response

from heap_mock.clock import SwitchableClock
from heap_mock.config import Config
from heap_mock.errors import PayloadRejected, Violation
from heap_mock.journal import RequestLog
from heap_mock.state import SimulatorState

EXTENSION_KEY = "heap_mock"


@dataclass
class Simulator:
    config: Config
    clock: SwitchableClock
    state: SimulatorState
    request_log: RequestLog


def current_simulator() -> Simulator:
    simulator: Simulator = current_app.extensions[EXTENSION_KEY]
    return simulator


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status=status, mimetype="application/json")


def read_json_body() -> Any:
    """The request body parsed as JSON, kept on `g` for the journal; a 400 names what is wrong."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise PayloadRejected([Violation("body.json", "postBody", "should be a JSON object, the body is empty")])
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise PayloadRejected([Violation("body.json", "postBody", f"is not valid JSON ({error})")]) from None
    return body
