"""Reading an mParticle batch leniently: its shape, its user's identity and its platform.

Real batches differ from the schema (mparticle-batch.md §6), so this module accepts every form
the sources show and rejects only a batch whose structure leaves nothing to map: not an object,
`events` not a list, or an event without `event_type` or `data`. Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from forwarder.model import BatchRejected
from forwarder.settings import Settings
from forwarder.values import MAX_IDENTITY, id_text
from heap_facts.platforms import is_supported_platform, is_web
# The user_identities keys that mean the customer ID: the documented one and the Python SDK's (S6).
CUSTOMER_ID_KEYS = ("customer_id", "customerid")


def checked_events(batch: Any) -> list[dict[str, Any]]:
    """The batch's events, or BatchRejected naming the first JSON path that breaks the structure.

    `events` absent or null means no events (S2 allows null); a batch with none is still a batch
    (S1's device-ID-only sample), so its user attributes can go.
    """
    if not isinstance(batch, Mapping):
        raise BatchRejected("$", f"a batch must be a JSON object, got {_json_kind(batch)}")
    events = batch.get("events")
    if events is None:
        return []
    if not isinstance(events, list):
        raise BatchRejected("$.events", f"must be a list of events, got {_json_kind(events)}")
    for index, event in enumerate(events):
        _check_event(event, f"$.events[{index}]")
    return events


def _check_event(event: Any, path: str) -> None:
    if not isinstance(event, Mapping):
        raise BatchRejected(path, f"an event must be a JSON object, got {_json_kind(event)}")
    event_type = event.get("event_type")
    if not isinstance(event_type, str) or event_type.strip() == "":
        raise BatchRejected(f"{path}.event_type", "is required: a non-empty string such as \"custom_event\"")
    if not isinstance(event.get("data"), Mapping):
        raise BatchRejected(f"{path}.data", f"is required: an object, got {_json_kind(event.get('data'))}")


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object" if isinstance(value, Mapping) else type(value).__name__


def identity_of(batch: Mapping[str, Any], settings: Settings) -> str | None:
    """The Heap identity the `external_id` setting selects, as text; None when the batch lacks it."""
    if settings.external_id == "mpid":
        return id_text(batch.get("mpid"))
    return customer_id(batch.get("user_identities"))


def customer_id(identities: Any) -> str | None:
    """The customer ID from either form of `user_identities` (§2.2): an object map or an array of records."""
    if isinstance(identities, Mapping):
        for key in CUSTOMER_ID_KEYS:
            found = id_text(identities.get(key))
            if found is not None:
                return found
        return None
    if isinstance(identities, list):
        for record in identities:
            if isinstance(record, Mapping) and str(record.get("identity_type", "")).lower() in CUSTOMER_ID_KEYS:
                found = id_text(record.get("identity"))
                if found is not None:
                    return found
    return None


def identity_problem(identity: str | None, settings: Settings) -> str | None:
    """Why no event of the batch can carry this identity, or None if it is usable."""
    if identity is None:
        field = "mpid" if settings.external_id == "mpid" else "user_identities customer_id"
        return f"missing identity: external_id is {settings.external_id} and the batch has no {field}"
    if len(identity) > MAX_IDENTITY:
        return f"identity longer than Heap's {MAX_IDENTITY} characters ({len(identity)})"
    return None


def platform_of(batch: Mapping[str, Any]) -> str | None:
    """`device_info.platform` as sent, or None for a data feed (no device platform given)."""
    device_info = batch.get("device_info")
    if not isinstance(device_info, Mapping):
        return None
    platform = device_info.get("platform")
    if not isinstance(platform, str) or platform.strip() == "":
        return None
    return platform.strip()


def platform_problem(platform: str | None, settings: Settings) -> str | None:
    """Why a batch from this platform is not forwarded server-side, or None if it is."""
    if platform is None:
        return None  # a data feed
    if not is_supported_platform(platform):
        return f"unsupported platform {platform!r} (the seed lists Android, Data Feeds, iOS, tvOS, SmartTV, Web)"
    if is_web(platform) and not settings.forward_web_requests_server_side:
        return "web batch while forward_web_requests_server_side is off (the web kit sends it client-side)"
    return None
