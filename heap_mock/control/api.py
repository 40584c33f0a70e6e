"""The inspection and control API under the reserved prefix `/_mock/`, beside Heap's paths.

Views are plain functions of a `Call` returning an `Answer`, routed by `heap_mock.routes`; the HTTP
layer has read and bounded the body and checked the origin before they run. Bodies are checked
field by field with heap_facts.fields; a FieldError answers 400 `control.invalid` naming the field
(heap_mock.site turns it into a ControlError, in one place). Query parameters are
read strictly (`http_layer.params`). Lists are paged by the stores themselves: a page costs what
it shows, not what is stored.
"""

from __future__ import annotations

from typing import Any

from heap_facts import fields
from heap_facts.fields import FieldError
from heap_facts.times import LATEST
from heap_mock.clock import MAX_RATE, MODES, to_iso
from heap_mock.errors import ControlConflict, ControlNotFound
from heap_mock.fidelity import rule_json
from heap_mock.rules import RULES
from heap_mock.simulator import Call, Simulator
from heap_mock.store.events import STORED_ENDPOINTS, EventQuery
from heap_mock.store.journal import JOURNAL_FIELDS
from heap_mock.store.session import session_chunks
from heap_mock.version import version
from http_layer.answers import JSON, Answer, json_answer, stream_answer
from http_layer.errors import NotJSON
from http_layer.json_body import parse_json


def _control_body(call: Call) -> dict[str, Any]:
    """The body of a control-plane write: a JSON object, or none at all (read as {})."""
    try:
        body = parse_json(call.request.body)
    except NotJSON as why:
        if why.empty:
            return {}
        raise FieldError("body", f"is not valid JSON ({why.detail})") from None
    return fields.json_object(body, "body")


def _paging(call: Call) -> dict[str, Any]:
    """The `order` (asc|desc), `offset` and `limit` query parameters, as the stores' page() takes them."""
    args = call.args
    return {
        "newest_first": args.one_of("order", ("asc", "desc"), "asc") == "desc",
        "offset": args.whole_number("offset", 0) or 0,
        "limit": args.whole_number("limit"),
    }


def health(call: Call) -> Answer:
    sim = call.sim
    return json_answer({"status": "ok", "version": version(), "counts": sim.state.counts()})


CLOCK_FIELDS = ("set", "advance", "mode", "rate")
CLOCK_ACTIONS = ("set", "advance", "mode")
CLOCK = "clock"  # the root of each field's path in a message: clock.advance


def get_clock(call: Call) -> Answer:
    return json_answer(_clock_json(call.sim))


def _clock_json(sim: Simulator) -> dict[str, Any]:
    clock = sim.clock
    return {"now": to_iso(clock.now()), "mode": clock.mode, "rate": clock.rate}


def set_clock(call: Call) -> Answer:
    sim = call.sim
    body = _control_body(call)
    fields.known_fields(body, CLOCK, CLOCK_FIELDS)  # a typo must not pass silently, as in fault rules
    actions = [key for key in CLOCK_ACTIONS if key in body]
    if len(actions) != 1:
        raise FieldError(CLOCK, 'must have exactly one of "set" (ISO 8601), "advance" (seconds) or "mode"')
    getattr(_ClockCommands, actions[0])(sim, body)
    return json_answer(_clock_json(sim))


class _ClockCommands:
    @staticmethod
    def set(sim: Simulator, body: dict[str, Any]) -> None:
        sim.clock.set(fields.instant(body["set"], f"{CLOCK}.set"))

    @staticmethod
    def advance(sim: Simulator, body: dict[str, Any]) -> None:
        value = fields.seconds(body["advance"], f"{CLOCK}.advance")
        if sim.clock.now() + value > LATEST:
            raise ControlConflict(f"{CLOCK}.advance of {value:g} s would move the clock past the year 9999")
        sim.clock.advance(value)

    @staticmethod
    def mode(sim: Simulator, body: dict[str, Any]) -> None:
        mode = fields.one_of(body["mode"], f"{CLOCK}.mode", MODES)
        if mode == "real":
            sim.clock.use_real_time()
        elif mode == "virtual":
            sim.clock.advance(0.0)
        else:
            sim.clock.scale(fields.number(body.get("rate"), f"{CLOCK}.rate", above=0, high=MAX_RATE))


def events(call: Call) -> Answer:
    args = call.args
    query = EventQuery(
        app_id=args.text("app_id"),
        identity=args.text("identity"),
        user_id=args.text("user_id"),
        event=args.text("event"),
        endpoint=args.one_of("endpoint", STORED_ENDPOINTS),
        text=args.text("q"),
        lineage=args.text("lineage"),
    )
    page = call.sim.state.events.page(query, **_paging(call))
    return json_answer({"events": [event.to_json() for event in page.events], "total": page.total})


def users(call: Call) -> Answer:
    page, total = call.sim.state.identities.user_page(call.args.texts(("app_id", "identity")), **_paging(call))
    return json_answer({"users": page, "total": total})


def accounts(call: Call) -> Answer:
    page, total = call.sim.state.identities.account_page(call.args.texts(("app_id", "account_id")), **_paging(call))
    return json_answer({"accounts": page, "total": total})


def requests_journal(call: Call) -> Answer:
    args = call.args
    filters: dict[str, Any] = args.texts(("path", "method", "rule_id", "lineage"))
    status = args.whole_number("status")
    if status is not None:
        filters["status"] = status
    warned = args.flag("warned")
    if warned is not None:
        filters["warned"] = warned  # counted as entries arrive: the requests accepted with warnings, or the others
    fields = args.one_of("fields", JOURNAL_FIELDS, "summary")
    page, total = call.sim.state.journal.page(filters, **_paging(call), full=fields == "full")
    return json_answer({"requests": page, "total": total})


def journal_entry(call: Call) -> Answer:
    """One journal entry whole (body, violations, warnings): what the console loads when a row opens."""
    journal = call.sim.state.journal
    request_id = call.params["request_id"]
    entry = journal.entry(request_id)
    if entry is None:
        raise ControlNotFound(f"no request {request_id[:80]!r} in the journal (it keeps the newest {journal.limit})")
    return json_answer(entry)


def limits(call: Call) -> Answer:
    sim = call.sim
    configured = {name: {"limit": spec.limit, "window_s": spec.window_s} for name, spec in sim.config.limits.items()}
    usage = sim.state.limits.usage(sim.clock.now())
    return json_answer({"enabled": sim.config.limits_enabled, "limits": configured, "usage": usage})


def rules(call: Call) -> Answer:
    return json_answer({"rules": [rule_json(rule) for rule in RULES.values()]})


def config(call: Call) -> Answer:
    return json_answer(call.sim.config.to_json())


def export(call: Call) -> Answer:
    """The whole session (events, users, accounts, journal, clock) as one file, streamed as it is
    written, for `heap-mock serve --load FILE` (format: heap_mock.store.session)."""
    sim = call.sim
    snapshot = sim.state.snapshot(sim.clock_state(), version())
    stamp = to_iso(snapshot.clock.now).replace("-", "").replace(":", "").replace(".", "")[:15]
    name = f"heap-sim-session-{stamp}Z.json"
    return stream_answer(session_chunks(snapshot), JSON, (("Content-Disposition", f'attachment; filename="{name}"'),))


def reset(call: Call) -> Answer:
    sim = call.sim
    sim.state.reset()
    sim.delays.wake_all()  # requests waiting out a delay fault go on at once
    return json_answer({"reset": True})


def list_faults(call: Call) -> Answer:
    return json_answer({"faults": call.sim.state.faults.to_json()})


def add_fault(call: Call) -> Answer:
    rule = call.sim.state.faults.add(_control_body(call))
    return json_answer(rule.to_json(), status=201)


def clear_faults(call: Call) -> Answer:
    sim = call.sim
    sim.state.faults.clear()
    sim.delays.wake_all()  # requests waiting out a delay fault go on at once
    return json_answer({"faults": []})
