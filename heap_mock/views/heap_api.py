"""Heap's server-side endpoints at Heap's own paths. Each view validates with its endpoint
module, applies limits and stores through the state, and answers as Heap documents."""

from __future__ import annotations

from flask import Blueprint, g, request
from werkzeug.wrappers import Response

from heap_mock.endpoints.account_properties import validate_account_properties
from heap_mock.endpoints.deletion import parse_basic_auth, parse_bearer, validate_deletion
from heap_mock.endpoints.identify import validate_identify
from heap_mock.endpoints.track import validate_track
from heap_mock.endpoints.user_properties import validate_user_properties
from heap_mock.simulator import current_simulator, json_response, read_json_body

heap_api = Blueprint("heap_api", __name__)


@heap_api.post("/api/track")
def track() -> Response:
    sim = current_simulator()
    now = sim.clock.now()
    config = sim.config
    parsed = validate_track(
        read_json_body(), now=now, max_bulk_items=config.max_bulk_items, truncate_long=config.truncates_long_values
    )
    g.exchange.stored = sim.state.ingest_track(parsed, g.exchange.request_id, now, sim.clock.rate)
    return json_response({})


@heap_api.post("/api/add_user_properties")
def add_user_properties() -> Response:
    sim = current_simulator()
    config = sim.config
    parsed = validate_user_properties(
        read_json_body(), max_bulk_items=config.max_bulk_items, truncate_long=config.truncates_long_values
    )
    sim.state.ingest_user_properties(parsed, sim.clock.now(), sim.clock.rate)
    return json_response({})


@heap_api.post("/api/add_account_properties")
def add_account_properties() -> Response:
    sim = current_simulator()
    config = sim.config
    parsed = validate_account_properties(
        read_json_body(), max_bulk_items=config.max_bulk_items, truncate_long=config.truncates_long_values
    )
    sim.state.ingest_account_properties(parsed)
    return Response("OK", status=200, mimetype="text/plain")  # D-aap documents the body `OK`


@heap_api.post("/api/v1/identify")
def identify() -> Response:
    sim = current_simulator()
    now = sim.clock.now()
    outcome = sim.state.identify(validate_identify(read_json_body(), now=now), now)
    if outcome.ignored_by:
        g.exchange.ignored_by = outcome.ignored_by  # D-ident: dropped silently, but the journal says why
    return json_response({})


@heap_api.post("/api/public/v0/auth_token")
def auth_token() -> Response:
    sim = current_simulator()
    app_id = parse_basic_auth(request.headers.get("Authorization"), sim.config.deletion_api_key)
    return json_response({"access_token": sim.state.issue_token(app_id, sim.clock.now())})


@heap_api.post("/api/public/v0/user_deletion")
def user_deletion() -> Response:
    sim = current_simulator()
    now = sim.clock.now()
    app_id = sim.state.app_for_token(parse_bearer(request.headers.get("Authorization")), now)
    targets = validate_deletion(read_json_body(), max_users=sim.config.max_deletion_users)
    record = sim.state.delete_users(app_id, targets, now)
    location = f"{request.host_url.rstrip('/')}/api/public/v0/deletion_status/{record.id}"
    body = {"deletion_request_location": location, "deletion_request_id": record.id, "status": record.status(now)}
    return json_response(body, status=201)


@heap_api.get("/api/public/v0/deletion_status/<deletion_id>")
def deletion_status(deletion_id: str) -> Response:
    sim = current_simulator()
    now = sim.clock.now()
    app_id = sim.state.app_for_token(parse_bearer(request.headers.get("Authorization")), now)
    return json_response(sim.state.deletion_status(app_id, deletion_id, now))
