"""`POST /api/add_user_properties`: one identity (D-aup) or bulk `users[]` of at most 1000 (D-baup)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from heap_mock.endpoints.common import (
    Findings,
    check_app_id,
    check_identity,
    check_properties,
    require_object,
    single_or_bulk,
)
from heap_mock.endpoints.view import success_answer, validated
from heap_mock.fidelity import Fidelity, RequestWarning
from heap_mock.ratelimit import Demand
from http_layer.answers import Answer

if TYPE_CHECKING:
    from heap_mock.simulator import Call


@dataclass(frozen=True)
class UserPropertiesUpdate:
    identity: str
    properties: dict[str, str | int | float]


@dataclass(frozen=True)
class UserPropertiesRequest:
    app_id: str
    updates: list[UserPropertiesUpdate]
    bulk: bool
    warnings: tuple[RequestWarning, ...] = ()


def validate_user_properties(
    body: Any, *, max_bulk_items: int, truncate_long: bool, fidelity: Fidelity = Fidelity.OBSERVED
) -> UserPropertiesRequest:
    findings = Findings(fidelity=fidelity)
    body = require_object(body, findings)
    app_id = check_app_id(body, findings)
    items, bulk = single_or_bulk(body, "users", max_bulk_items, findings)
    updates = [_check_update(item, path, findings, truncate_long) for item, path in items]
    findings.raise_if_any()
    return UserPropertiesRequest(app_id, [u for u in updates if u is not None], bulk, tuple(findings.warnings))


def _check_update(item: dict[str, Any], path: str, findings: Findings, truncate_long: bool) -> UserPropertiesUpdate | None:
    if item.get("identity") is None:
        findings.add("user_properties.identity_required", path, "should have required property 'identity'")
        identity = None
    else:
        identity = check_identity(item["identity"], f"{path}.identity", findings)
    properties = check_properties(item, path, findings, join_arrays=False, truncate_long=truncate_long, reserved_id=True)
    return UserPropertiesUpdate(identity, properties) if identity is not None else None


# --- the view ---------------------------------------------------------------------------------------
def add_user_properties(call: Call) -> Answer:
    return store_user_properties(call, validate_user_properties)


def store_user_properties(call: Call, validate: Callable[..., UserPropertiesRequest]) -> Answer:
    """Validate a user-properties body (public or partner), admit it under the limits and store it."""
    sim = call.sim
    parsed = validated(call, validate)
    sim.state.ingest_user_properties(parsed, sim.clock.now(), sim.clock.rate)
    call.exchange.warnings = parsed.warnings
    return success_answer(sim.config.success_body)


# --- what it costs under Heap's limits --------------------------------------------------------------
def user_properties_demands(request: UserPropertiesRequest) -> list[Demand]:
    # Assumption: a bulk request counts as one request for each identity it names.
    identities = dict.fromkeys(update.identity for update in request.updates)
    return [Demand("user_properties", (request.app_id, identity), 1) for identity in identities]
