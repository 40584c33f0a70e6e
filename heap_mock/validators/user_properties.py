"""`POST /api/add_user_properties`: one identity (D-aup) or bulk `users[]` of at most 1000 (D-baup)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from heap_mock.leniency import Fidelity, RequestWarning
from heap_mock.payload import (
    Findings,
    check_app_id,
    check_identity,
    check_properties,
    require_object,
    single_or_bulk,
)


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
