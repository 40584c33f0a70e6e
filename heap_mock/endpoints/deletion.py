"""The user deletion API (D-del): a Basic-auth token exchange, a deletion request, its status.

Heap documents 401 for bad credentials, 201 for an accepted request and 404 for an unknown id.
Tokens last 5 minutes (H-postman); which api_key is valid is configurable (any, by default).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from heap_facts.paths import DELETION_STATUS
from heap_mock.endpoints.common import Findings, check_identity, check_user_id, require_object
from heap_mock.endpoints.view import json_body
from heap_mock.errors import DeletionUnauthorized
from http_layer.answers import Answer, json_answer

if TYPE_CHECKING:
    from heap_mock.simulator import Call


@dataclass(frozen=True)
class DeletionTarget:
    identity: str | None
    user_id: str | None


def parse_basic_auth(header: str | None, expected_key: str | None) -> str:
    """Check `Authorization: Basic base64(app_id:api_key)`; returns the app_id or raises 401."""
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise DeletionUnauthorized("Authorization header should be Basic base64(app_id:api_key)")
    try:
        app_id, sep, api_key = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except ValueError:  # binascii.Error and UnicodeDecodeError, and b64decode's own for non-ASCII text
        raise DeletionUnauthorized("Authorization header is not valid base64 of app_id:api_key") from None
    if not sep or not (app_id.isascii() and app_id.isdigit()) or not api_key:
        raise DeletionUnauthorized("credentials should be a numeric app_id and a non-empty api_key")
    if expected_key is not None and api_key != expected_key:
        raise DeletionUnauthorized("Unauthorized: api_key is not valid for this environment")
    return app_id


def parse_bearer(header: str | None) -> str:
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise DeletionUnauthorized("Authorization header should be Bearer <access_token>")
    return token.strip()


def validate_deletion(body: Any, *, max_users: int) -> list[DeletionTarget]:
    """`{"users": [{"user_id": 1} | {"identity": "..."}]}`, 1 to 10,000 users (D-del)."""
    findings = Findings()
    body = require_object(body, findings)
    users = body.get("users")
    if not isinstance(users, list) or not 1 <= len(users) <= max_users:
        findings.add("deletion.users", "postBody.users", f"should be an array of 1 to {max_users} users")
        findings.raise_if_any()
    targets = [_check_target(user, f"postBody.users[{i}]", findings) for i, user in enumerate(users)]
    findings.raise_if_any()
    return [t for t in targets if t is not None]


def _check_target(user: Any, path: str, findings: Findings) -> DeletionTarget | None:
    if not isinstance(user, dict) or ("identity" in user) == ("user_id" in user):  # null is a value, not an absence
        findings.add("deletion.users", path, "should be an object with exactly one of 'user_id' and 'identity'")
        return None
    if "identity" in user:
        identity = check_identity(user["identity"], f"{path}.identity", findings)
        return DeletionTarget(identity, None) if identity else None
    user_id = check_user_id(user["user_id"], f"{path}.user_id", findings)
    return DeletionTarget(None, user_id) if user_id else None


# --- the views --------------------------------------------------------------------------------------
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
