"""The inspection and control API under the reserved prefix `/_mock/`, beside Heap's paths.

Views are plain functions returning an `Answer`, routed by `heap_mock.routes` and run by Flask.
Lists are paged by the stores themselves: a page costs what it shows, not what is stored.
"""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.wrappers import Response

from heap_mock.answers import Answer, json_answer
from heap_mock.bodies import NotJSON, parse_json, read_body
from heap_mock.clock import LATEST, MAX_RATE, parse_iso, to_iso
from heap_mock.errors import ControlConflict, ControlError, ControlNotFound
from heap_mock.events import STORED_ENDPOINTS, EventQuery
from heap_mock.journal import JOURNAL_FIELDS
from heap_mock.leniency import rule_json
from heap_mock.rules import RULES
from heap_mock.session import session_chunks
from heap_mock.simulator import Simulator, current_simulator
from heap_mock.version import VERSION


def _control_body() -> dict[str, Any]:
    raw = read_body(request.environ, current_simulator().config.max_body_bytes)
    try:
        body = parse_json(raw)
    except NotJSON as why:
        if str(why) == "empty":
            return {}
        raise ControlError(f"body is not valid JSON ({why})") from None
    if not isinstance(body, dict):
        raise ControlError("body should be a JSON object")
    return body


_MAX_INT_ARG_DIGITS = 18  # openapi.MAX_QUERY_INT states the same bound


def _int_arg(name: str, default: int | None) -> int | None:
    value = request.args.get(name)
    if value is None:
        return default
    # ASCII digits only (str.isdigit also passes "²" and "٣"), and few enough for int() to take.
    if not (value.isascii() and value.isdigit() and len(value) <= _MAX_INT_ARG_DIGITS):
        raise ControlError(f"query parameter {name!r} should be a whole number >= 0, got {value!r}")
    return int(value)


def _paging() -> dict[str, Any]:
    """The `order` (asc|desc), `offset` and `limit` query parameters, as the stores' page() takes them."""
    order = request.args.get("order", "asc")
    if order not in ("asc", "desc"):
        raise ControlError("query parameter 'order' should be 'asc' or 'desc'")
    return {"newest_first": order == "desc", "offset": _int_arg("offset", 0) or 0, "limit": _int_arg("limit", None)}


def _filters(keys: tuple[str, ...]) -> dict[str, str]:
    return {key: request.args[key] for key in keys if key in request.args}


def health() -> Answer:
    sim = current_simulator()
    return json_answer({"status": "ok", "version": VERSION, "counts": sim.state.counts()})


CLOCK_FIELDS = frozenset({"set", "advance", "mode", "rate"})


def get_clock() -> Answer:
    return json_answer(_clock_json(current_simulator()))


def _clock_json(sim: Simulator) -> dict[str, Any]:
    clock = sim.clock
    return {"now": to_iso(clock.now()), "mode": clock.mode, "rate": clock.rate}


def set_clock() -> Answer:
    sim = current_simulator()
    body = _control_body()
    unknown = set(body) - CLOCK_FIELDS  # a typo must not pass silently, as in fault rules
    if unknown:
        raise ControlError(f"unknown clock field(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(CLOCK_FIELDS))}")
    actions = [key for key in ("set", "advance", "mode") if key in body]
    if len(actions) != 1:
        raise ControlError('clock body should have exactly one of "set" (ISO 8601), "advance" (seconds) or "mode"')
    getattr(_ClockCommands, actions[0])(sim, body)
    return json_answer(_clock_json(sim))


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


def events() -> Answer:
    args = request.args
    if args.get("endpoint", STORED_ENDPOINTS[0]) not in STORED_ENDPOINTS:
        raise ControlError(f"query parameter 'endpoint' should be one of {', '.join(STORED_ENDPOINTS)}, got {args['endpoint']!r}")
    query = EventQuery(
        app_id=args.get("app_id"),
        identity=args.get("identity"),
        user_id=args.get("user_id"),
        event=args.get("event"),
        endpoint=args.get("endpoint"),
        text=args.get("q"),
        lineage=args.get("lineage"),
    )
    page = current_simulator().state.events.page(query, **_paging())
    return json_answer({"events": [event.to_json() for event in page.events], "total": page.total})


def users() -> Answer:
    page, total = current_simulator().state.identities.user_page(_filters(("app_id", "identity")), **_paging())
    return json_answer({"users": page, "total": total})


def accounts() -> Answer:
    page, total = current_simulator().state.identities.account_page(_filters(("app_id", "account_id")), **_paging())
    return json_answer({"accounts": page, "total": total})


def requests_journal() -> Answer:
    filters: dict[str, Any] = _filters(("path", "method", "rule_id", "lineage"))
    status = _int_arg("status", None)
    if status is not None:
        filters["status"] = status
    warned = _bool_arg("warned")
    if warned is not None:
        filters["warned"] = warned  # counted as entries arrive: the requests accepted with warnings, or the others
    fields = request.args.get("fields", "summary")
    if fields not in JOURNAL_FIELDS:
        raise ControlError(f"query parameter 'fields' should be one of {', '.join(JOURNAL_FIELDS)}, got {fields!r}")
    page, total = current_simulator().state.journal.page(filters, **_paging(), full=fields == "full")
    return json_answer({"requests": page, "total": total})


def journal_entry(request_id: str) -> Answer:
    """One journal entry whole (body, violations, warnings): what the console loads when a row opens."""
    journal = current_simulator().state.journal
    entry = journal.entry(request_id)
    if entry is None:
        raise ControlNotFound(f"no request {request_id!r} in the journal (it keeps the newest {journal.limit})")
    return json_answer(entry)


def _bool_arg(name: str) -> bool | None:
    value = request.args.get(name)
    if value is None:
        return None
    if value not in ("true", "false"):
        raise ControlError(f"query parameter {name!r} should be 'true' or 'false', got {value!r}")
    return value == "true"


def limits() -> Answer:
    sim = current_simulator()
    configured = {name: {"limit": spec.limit, "window_s": spec.window_s} for name, spec in sim.config.limits.items()}
    usage = sim.state.limits.usage(sim.clock.now())
    return json_answer({"enabled": sim.config.limits_enabled, "limits": configured, "usage": usage})


def rules() -> Answer:
    return json_answer({"rules": [rule_json(rule) for rule in RULES.values()]})


def config() -> Answer:
    return json_answer(current_simulator().config.to_json())


def export() -> Response:
    """The whole session (events, users, accounts, journal, clock) as one file, streamed as it is
    written, for `heap-mock serve --load FILE` (format: heap_mock.session)."""
    sim = current_simulator()
    snapshot = sim.state.snapshot(sim.clock_state(), VERSION)
    stamp = to_iso(snapshot.clock.now).replace("-", "").replace(":", "").replace(".", "")[:15]
    name = f"heap-sim-session-{stamp}Z.json"
    return Response(session_chunks(snapshot), mimetype="application/json", headers={"Content-Disposition": f'attachment; filename="{name}"'})


def reset() -> Answer:
    sim = current_simulator()
    sim.state.reset()
    sim.delays.wake_all()  # requests waiting out a delay fault go on at once
    return json_answer({"reset": True})


def list_faults() -> Answer:
    return json_answer({"faults": current_simulator().state.faults.to_json()})


def add_fault() -> Answer:
    rule = current_simulator().state.faults.add(_control_body())
    return json_answer(rule.to_json(), status=201)


def clear_faults() -> Answer:
    sim = current_simulator()
    sim.state.faults.clear()
    sim.delays.wake_all()  # requests waiting out a delay fault go on at once
    return json_answer({"faults": []})
