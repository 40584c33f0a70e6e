"""Heap's partner endpoints `POST /api/integrations/track` and `/api/integrations/add_user_properties`.

Undocumented publicly; the shape is what partners written with Heap send (segmentio/action-destinations
`packages/destination-actions/src/destinations/heap/`, Looker's Heap action): a `library` name and an
array of items, each naming its user in a `user_identifier` object and carrying `properties` and/or
`custom_properties`. Items are checked by the same pure checks as the public twins, so a partner
request is refused, warned about and stored exactly as the equivalent public one would be.
Assumptions (FIDELITY.md): the array is required and holds 1 to 1000 items; limits are those of bulk
track and add_user_properties; an `email` or `anonymous_id` alone names the user as its identity.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from heap_mock.endpoints.common import (
    Findings,
    check_app_id,
    check_bulk_items,
    check_identity,
    check_properties,
    check_user_id,
    child,
    require_object,
)
from heap_mock.endpoints.track import TrackRequest, check_event_name, event_record, store_track
from heap_mock.endpoints.user_properties import UserPropertiesRequest, UserPropertiesUpdate, store_user_properties
from heap_mock.fidelity import Fidelity
from http_layer.answers import Answer

if TYPE_CHECKING:
    from heap_mock.simulator import Call

PROPERTY_KEYS = ("properties", "custom_properties")  # Segment sends either or both; later keys win
# Keys that name a user as an identity, in order of preference; `user_id` (Heap's numeric id) is apart.
IDENTITY_KEYS = ("identity", "email", "anonymous_id")
_RULE = "integrations.user_identifier"


def validate_integrations_track(
    body: Any, *, now: float, max_bulk_items: int, truncate_long: bool, fidelity: Fidelity = Fidelity.OBSERVED
) -> TrackRequest:
    """Validate a partner track body (`events[]` of 1..1000), all or nothing, as bulk track."""
    findings, app_id, items = _items(body, "events", max_bulk_items, fidelity)
    events = []
    for index, item in enumerate(items):
        path = f"postBody.events[{index}]"
        name = check_event_name(item, path, findings)
        identity, user_id = user_identifier(item, path, findings, allow_user_id=True)
        events.append(event_record(item, path, app_id, findings, now, truncate_long, name, identity, user_id, PROPERTY_KEYS))
    findings.raise_if_any()
    return TrackRequest(app_id, events, True, tuple(findings.warnings))


def validate_integrations_user_properties(
    body: Any, *, max_bulk_items: int, truncate_long: bool, fidelity: Fidelity = Fidelity.OBSERVED
) -> UserPropertiesRequest:
    """Validate a partner add_user_properties body (`users[]` of 1..1000), all or nothing."""
    findings, app_id, items = _items(body, "users", max_bulk_items, fidelity)
    updates = []
    for index, item in enumerate(items):
        path = f"postBody.users[{index}]"
        identity, _ = user_identifier(item, path, findings, allow_user_id=False)
        properties: dict[str, str | int | float] = {}
        for key in PROPERTY_KEYS:
            properties.update(check_properties(item, path, findings, join_arrays=False, truncate_long=truncate_long, reserved_id=True, key=key))
        if identity is not None:
            updates.append(UserPropertiesUpdate(identity, properties))
    findings.raise_if_any()
    return UserPropertiesRequest(app_id, updates, True, tuple(findings.warnings))


def _items(body: Any, key: str, max_bulk_items: int, fidelity: Fidelity) -> tuple[Findings, str, list[dict[str, Any]]]:
    findings = Findings(fidelity=fidelity)
    body = require_object(body, findings)
    app_id = check_app_id(body, findings)
    if key not in body:
        findings.add("bulk.array", "postBody", f"should have required property '{key}'")
        return findings, app_id, []
    return findings, app_id, check_bulk_items(body, key, max_bulk_items, findings) or []


def user_identifier(item: dict[str, Any], path: str, findings: Findings, *, allow_user_id: bool) -> tuple[str | None, str | None]:
    """Who an item is about: (identity, None) or, on track, (None, user_id). A violation if neither."""
    where = child(path, "user_identifier")
    named = item.get("user_identifier")
    if not isinstance(named, dict):
        findings.add(_RULE, where, "should be an object naming the user (identity, email, anonymous_id or user_id)")
        return None, None
    # Every name given is checked, as the OpenAPI description says, though only the first counts;
    # null is a value (refused), not an absence.
    identities = [check_identity(named[key], child(where, key), findings) for key in IDENTITY_KEYS if key in named]
    user_id = check_user_id(named["user_id"], child(where, "user_id"), findings) if "user_id" in named else None
    if identities:
        return identities[0], None
    if allow_user_id and "user_id" in named:
        return None, user_id
    wanted = "identity, email, anonymous_id or user_id" if allow_user_id else "identity, email or anonymous_id"
    findings.add(_RULE, where, f"should name the user by {wanted}")
    return None, None


# --- the views --------------------------------------------------------------------------------------
def integrations_track(call: Call) -> Answer:
    """Heap's partner track (Segment's destination): validated and stored as bulk track is."""
    return store_track(call, validate_integrations_track, "integrations_track")


def integrations_add_user_properties(call: Call) -> Answer:
    """Heap's partner add_user_properties: validated and stored as bulk add_user_properties is."""
    return store_user_properties(call, validate_integrations_user_properties)
