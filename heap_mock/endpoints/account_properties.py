"""`POST /api/add_account_properties`: one `account_id` (D-aap) or bulk `accounts[]` of at most 1000 (D-baap)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from heap_mock.endpoints.common import (
    Findings,
    check_app_id,
    check_properties,
    require_object,
    single_or_bulk,
)
from heap_mock.endpoints.json_numbers import MAX_JSON_INT, MIN_JSON_INT, whole_number
from heap_mock.endpoints.view import validated
from heap_mock.fidelity import Fidelity, RequestWarning
from http_layer.answers import Answer, text_answer

if TYPE_CHECKING:
    from heap_mock.simulator import Call


@dataclass(frozen=True)
class AccountPropertiesUpdate:
    account_id: str
    properties: dict[str, str | int | float]


@dataclass(frozen=True)
class AccountPropertiesRequest:
    app_id: str
    updates: list[AccountPropertiesUpdate]
    bulk: bool
    warnings: tuple[RequestWarning, ...] = ()


def validate_account_properties(
    body: Any, *, max_bulk_items: int, truncate_long: bool, fidelity: Fidelity = Fidelity.OBSERVED
) -> AccountPropertiesRequest:
    findings = Findings(fidelity=fidelity)
    body = require_object(body, findings)
    app_id = check_app_id(body, findings)
    items, bulk = single_or_bulk(body, "accounts", max_bulk_items, findings)
    updates = [_check_update(item, path, findings, truncate_long) for item, path in items]
    findings.raise_if_any()
    return AccountPropertiesRequest(app_id, [u for u in updates if u is not None], bulk, tuple(findings.warnings))


def _check_update(item: dict[str, Any], path: str, findings: Findings, truncate_long: bool) -> AccountPropertiesUpdate | None:
    account_id = item.get("account_id")
    number = whole_number(account_id, MIN_JSON_INT, MAX_JSON_INT)
    if number is not None:
        account_id = str(number)  # D-aap examples send strings; a numeric id names the same account
    if not isinstance(account_id, str) or account_id == "":
        findings.add("account_properties.account_id_required", f"{path}.account_id", "should be a non-empty string")
        account_id = None
    properties = check_properties(item, path, findings, join_arrays=False, truncate_long=truncate_long)
    return AccountPropertiesUpdate(account_id, properties) if account_id is not None else None


# --- the view ---------------------------------------------------------------------------------------
def add_account_properties(call: Call) -> Answer:
    sim = call.sim
    parsed = validated(call, validate_account_properties)
    sim.state.ingest_account_properties(parsed)
    call.exchange.warnings = parsed.warnings
    return text_answer("OK")  # D-aap documents the body `OK`
