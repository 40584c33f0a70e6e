"""A forwarder whose requests live Heap accepts but Heap's docs forbid: it adds a boolean property
to every tracked event. The simulator (fidelity `observed`) accepts it with a warning."""

from __future__ import annotations

from typing import Any

from conformance.forwarders import Target
from forwarder import HeapRequest
from tests.conformance.broken import _mapped, deliver_all


def sends_booleans(batch: dict[str, Any], target: Target) -> bool:
    """Correct mapping and delivery, plus `"from_mobile": true` on every event (as Airbyte's destination sends)."""
    return deliver_all(target, [_with_boolean(request) for request in _mapped(batch, target)])


def _with_boolean(request: HeapRequest) -> HeapRequest:
    body = dict(request.body)
    if request.kind == "user_properties":
        return request
    if isinstance(body.get("events"), list):
        body["events"] = [{**event, "properties": {**event.get("properties", {}), "from_mobile": True}} for event in body["events"]]
    else:
        body["properties"] = {**body.get("properties", {}), "from_mobile": True}
    return HeapRequest(request.path, body)
