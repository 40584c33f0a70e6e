"""The pieces one running simulator shares between its views: config, clock and state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from flask import current_app, g, request
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


def read_raw_body() -> bytes:
    """The body's bytes, read once and kept on the request's exchange record for the journal."""
    exchange = g.exchange
    if exchange.raw is None:
        req = request._get_current_object()  # type: ignore[attr-defined]
        length = req.content_length
        if length is not None:
            # The length was checked against max_body_bytes before the view ran; reading the
            # input directly skips werkzeug's limiting wrapper, a tenth of a request's cost.
            exchange.raw = req.environ["wsgi.input"].read(length)
        else:
            exchange.raw = req.get_data(cache=True)  # chunked: werkzeug enforces MAX_CONTENT_LENGTH
    raw: bytes = exchange.raw
    return raw


def read_json_body() -> Any:
    """The request body parsed as JSON; a 400 names what is wrong."""
    raw = read_raw_body()
    if not raw.strip():
        raise PayloadRejected([Violation("body.json", "postBody", "should be a JSON object, the body is empty")])
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise PayloadRejected([Violation("body.json", "postBody", f"is not valid JSON ({error})")]) from None
