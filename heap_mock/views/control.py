"""The inspection and control API under the reserved prefix `/_mock/`, beside Heap's paths."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Blueprint, request
from werkzeug.wrappers import Response

import heap_mock
from heap_mock.clock import LATEST, MAX_RATE, parse_iso, to_iso
from heap_mock.errors import ControlConflict, ControlError
from heap_mock.rules import RULES
from heap_mock.simulator import Simulator, current_simulator, json_response
from heap_mock.state import EventQuery, iter_json

control = Blueprint("control", __name__, url_prefix="/_mock")


def _control_body() -> dict[str, Any]:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise ControlError(f"body is not valid JSON ({error})") from None
    if not isinstance(body, dict):
        raise ControlError("body should be a JSON object")
    return body


_MAX_INT_ARG_DIGITS = 18


def _int_arg(name: str, default: int | None) -> int | None:
    value = request.args.get(name)
    if value is None:
        return default
    # ASCII digits only (str.isdigit also passes "²" and "٣"), and few enough for int() to take.
    if not (value.isascii() and value.isdigit() and len(value) <= _MAX_INT_ARG_DIGITS):
        raise ControlError(f"query parameter {name!r} should be a whole number >= 0, got {value!r}")
    return int(value)


def _page(items: list[Any]) -> tuple[list[Any], int]:
    """Apply `order` (asc|desc), `offset` and `limit` query parameters; returns the page and the total."""
    order = request.args.get("order", "asc")
    if order not in ("asc", "desc"):
        raise ControlError("query parameter 'order' should be 'asc' or 'desc'")
    if order == "desc":
        items = items[::-1]
    offset, limit = _int_arg("offset", 0) or 0, _int_arg("limit", None)
    end = None if limit is None else offset + limit
    return items[offset:end], len(items)


@control.get("/health")
def health() -> Response:
    sim = current_simulator()
    return json_response({"status": "ok", "version": heap_mock.__version__, "counts": sim.state.counts()})


CLOCK_FIELDS = frozenset({"set", "advance", "mode", "rate"})
ENDPOINTS = ("track", "bulk_track")  # the values of a stored event's `endpoint`


@control.get("/clock")
def get_clock() -> Response:
    return json_response(_clock_json(current_simulator()))


def _clock_json(sim: Simulator) -> dict[str, Any]:
    clock = sim.clock
    return {"now": to_iso(clock.now()), "mode": clock.mode, "rate": clock.rate}


@control.post("/clock")
def set_clock() -> Response:
    sim = current_simulator()
    body = _control_body()
    unknown = set(body) - CLOCK_FIELDS  # a typo must not pass silently, as in fault rules
    if unknown:
        raise ControlError(f"unknown clock field(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(CLOCK_FIELDS))}")
    actions = [key for key in ("set", "advance", "mode") if key in body]
    if len(actions) != 1:
        raise ControlError('clock body should have exactly one of "set" (ISO 8601), "advance" (seconds) or "mode"')
    getattr(_ClockCommands, actions[0])(sim, body)
    return json_response(_clock_json(sim))


class _ClockCommands:
    @staticmethod
    def set(sim: Simulator, body: dict[str, Any]) -> None:
        value = body["set"]
        try:
            instant = parse_iso(value) if isinstance(value, str) else None
        except ValueError:
            instant = None
        if instant is None:
            raise ControlError('"set" should be an ISO 8601 date-time from year 1 to 9999 (UTC), such as 2026-01-01T00:00:00Z')
        sim.clock.set(instant)

    @staticmethod
    def advance(sim: Simulator, body: dict[str, Any]) -> None:
        value = body["advance"]
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise ControlError('"advance" should be a number of seconds >= 0')
        if sim.clock.now() + value > LATEST:
            raise ControlConflict(f'"advance" of {value} s would move the clock past the year 9999')
        sim.clock.advance(float(value))

    @staticmethod
    def mode(sim: Simulator, body: dict[str, Any]) -> None:
        mode, rate = body["mode"], body.get("rate")
        if mode == "real":
            sim.clock.use_real_time()
        elif mode == "virtual":
            sim.clock.advance(0.0)
        elif mode == "scaled" and isinstance(rate, (int, float)) and not isinstance(rate, bool) and 0 < rate <= MAX_RATE:
            sim.clock.scale(float(rate))
        else:
            raise ControlError(f'"mode" should be "real", "virtual", or "scaled" with a "rate" > 0 and <= {MAX_RATE:.0f}')


@control.get("/events")
def events() -> Response:
    args = request.args
    if args.get("endpoint", ENDPOINTS[0]) not in ENDPOINTS:
        raise ControlError(f"query parameter 'endpoint' should be one of {', '.join(ENDPOINTS)}, got {args['endpoint']!r}")
    query = EventQuery(
        app_id=args.get("app_id"),
        identity=args.get("identity"),
        user_id=args.get("user_id"),
        event=args.get("event"),
        endpoint=args.get("endpoint"),
        text=args.get("q"),
    )
    page, total = _page(current_simulator().state.find_events(query))
    return json_response({"events": iter_json(page), "total": total})


@control.get("/users")
def users() -> Response:
    page, total = _page(_filtered(current_simulator().state.user_list(), ("app_id", "identity")))
    return json_response({"users": page, "total": total})


@control.get("/accounts")
def accounts() -> Response:
    page, total = _page(_filtered(current_simulator().state.account_list(), ("app_id", "account_id")))
    return json_response({"accounts": page, "total": total})


@control.get("/requests")
def requests_journal() -> Response:
    entries = _filtered(current_simulator().state.journal_entries(), ("path", "method", "rule_id"))
    status = _int_arg("status", None)
    if status is not None:
        entries = [entry for entry in entries if entry["status"] == status]
    page, total = _page(entries)
    return json_response({"requests": page, "total": total})


def _filtered(items: list[dict[str, Any]], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    wanted = {key: request.args[key] for key in keys if key in request.args}
    return [item for item in items if all(str(item.get(k)) == v for k, v in wanted.items())]


@control.get("/limits")
def limits() -> Response:
    sim = current_simulator()
    configured = {name: {"limit": spec.limit, "window_s": spec.window_s} for name, spec in sim.config.limits.items()}
    usage = sim.state.limit_usage(sim.clock.now())
    return json_response({"enabled": sim.config.limits_enabled, "limits": configured, "usage": usage})


@control.get("/rules")
def rules() -> Response:
    return json_response({"rules": [{**vars(rule), "evidence": rule.evidence.value} for rule in RULES.values()]})


@control.get("/config")
def config() -> Response:
    return json_response(current_simulator().config.to_json())


@control.post("/reset")
def reset() -> Response:
    sim = current_simulator()
    sim.state.reset()
    sim.delays.wake_all()  # requests waiting out a delay fault go on at once
    return json_response({"reset": True})


@control.get("/faults")
def list_faults() -> Response:
    state = current_simulator().state
    with state.lock:
        return json_response({"faults": [rule.to_json() for rule in state.faults.rules]})


@control.post("/faults")
def add_fault() -> Response:
    state = current_simulator().state
    with state.lock:
        rule = state.faults.add(_control_body())
        return json_response(rule.to_json(), status=201)


@control.delete("/faults")
def clear_faults() -> Response:
    sim = current_simulator()
    with sim.state.lock:
        sim.state.faults.clear()
    sim.delays.wake_all()  # requests waiting out a delay fault go on at once
    return json_response({"faults": []})
