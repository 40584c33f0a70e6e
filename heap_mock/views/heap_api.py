"""Heap's server-side endpoints at Heap's own paths.

Each view validates with its endpoint module, applies limits and stores through the state, and
answers as Heap documents. Views are plain functions of a `Call` returning an `Answer`, run by the
simulator's site (`heap_mock.site`) with the body already read by the HTTP layer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from heap_facts.paths import DELETION_STATUS
from heap_mock.errors import PayloadRejected, Violation
from heap_mock.simulator import Call
from heap_mock.validators.account_properties import validate_account_properties
from heap_mock.validators.deletion import parse_basic_auth, parse_bearer, validate_deletion
from heap_mock.validators.identify import validate_identify
from heap_mock.validators.integrations import validate_integrations_track, validate_integrations_user_properties
from heap_mock.validators.track import TrackRequest, validate_track
from heap_mock.validators.user_properties import UserPropertiesRequest, validate_user_properties
from http_layer.answers import Answer, empty_answer, json_answer, text_answer
from http_layer.errors import NotJSON
from http_layer.json_body import parse_json

Parsed = TypeVar("Parsed")
SUCCESS_ANSWERS = {"{}": json_answer({}), "OK": text_answer("OK"), "": empty_answer(200)}


def success_answer(setting: str) -> Answer:
    """The configured success body (`success_body`): Heap's own for these endpoints is undocumented."""
    return SUCCESS_ANSWERS[setting]


def json_body(call: Call) -> Any:
    """The body parsed as JSON; a 400 names what is wrong, in Heap's words."""
    try:
        return parse_json(call.request.body)
    except NotJSON as why:
        expectation = "should be a JSON object, the body is empty" if why.empty else f"is not valid JSON ({why.detail})"
        raise PayloadRejected([Violation("body.json", "postBody", expectation)]) from None


def _validated(call: Call, validate: Callable[..., Parsed], **extra: Any) -> Parsed:
    """The body checked by `validate` under the settings every payload endpoint shares."""
    config = call.sim.config
    return validate(
        json_body(call), max_bulk_items=config.max_bulk_items, truncate_long=config.truncates_long_values,
        fidelity=config.fidelity_mode, **extra,
    )


def track(call: Call) -> Answer:
    return _track(call, validate_track, None)


def integrations_track(call: Call) -> Answer:
    """Heap's partner track (Segment's destination): validated and stored as bulk track is."""
    return _track(call, validate_integrations_track, "integrations_track")


def _track(call: Call, validate: Callable[..., TrackRequest], endpoint: str | None) -> Answer:
    sim = call.sim
    now = sim.clock.now()
    parsed = _validated(call, validate, now=now)
    call.exchange.stored = sim.state.ingest_track(parsed, call.exchange.request_id, now, sim.clock.rate, endpoint, call.exchange.lineage)
    call.exchange.warnings = parsed.warnings  # set once stored: a throttled request keeps none
    return success_answer(sim.config.success_body)


def add_user_properties(call: Call) -> Answer:
    return _add_user_properties(call, validate_user_properties)


def integrations_add_user_properties(call: Call) -> Answer:
    """Heap's partner add_user_properties: validated and stored as bulk add_user_properties is."""
    return _add_user_properties(call, validate_integrations_user_properties)


def _add_user_properties(call: Call, validate: Callable[..., UserPropertiesRequest]) -> Answer:
    sim = call.sim
    parsed = _validated(call, validate)
    sim.state.ingest_user_properties(parsed, sim.clock.now(), sim.clock.rate)
    call.exchange.warnings = parsed.warnings
    return success_answer(sim.config.success_body)


def add_account_properties(call: Call) -> Answer:
    sim = call.sim
    parsed = _validated(call, validate_account_properties)
    sim.state.ingest_account_properties(parsed)
    call.exchange.warnings = parsed.warnings
    return text_answer("OK")  # D-aap documents the body `OK`


def identify(call: Call) -> Answer:
    sim = call.sim
    now = sim.clock.now()
    outcome = sim.state.identify(validate_identify(json_body(call), now=now), now)
    if outcome.ignored_by:
        call.exchange.ignored_by = outcome.ignored_by  # D-ident: dropped silently, but the journal says why
    return success_answer(sim.config.success_body)


def auth_token(call: Call) -> Answer:
    sim = call.sim
    app_id = parse_basic_auth(call.request.header("Authorization"), sim.config.deletion_api_key)
    return json_answer({"access_token": sim.state.deletions.issue_token(app_id, sim.clock.now())})


def user_deletion(call: Call) -> Answer:
    sim = call.sim
    now = sim.clock.now()
    app_id = sim.state.deletions.app_for_token(parse_bearer(call.request.header("Authorization")), now)
    targets = validate_deletion(json_body(call), max_users=sim.config.max_deletion_users)
    record = sim.state.delete_users(app_id, targets, now)
    location = call.request.base_url() + DELETION_STATUS.format(deletion_id=record.id)
    body = {"deletion_request_location": location, "deletion_request_id": record.id, "status": record.status(now)}
    return json_answer(body, status=201)


def deletion_status(call: Call) -> Answer:
    sim = call.sim
    now = sim.clock.now()
    app_id = sim.state.deletions.app_for_token(parse_bearer(call.request.header("Authorization")), now)
    return json_answer(sim.state.deletions.status(app_id, call.params["deletion_id"], now))
