"""What the seed page says a batch must become, computed from the batch alone (no I/O).

The oracle reads an mParticle batch as leniently as real data demands (both `user_identities`
forms, ids and timestamps as numbers or strings) and lists its events as `SourceEvent`s: the
identity Heap should see, whether the batch is forwarded at all, the timestamp, the session id,
and for commerce events the products or promotions to fan out. It knows nothing about any
forwarder's choices; checks for our own conventions add those on top.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.fixtures import ForwarderSettings
from conformance.inputs import as_epoch_ms
from conformance.results import Subject
from heap_facts.lengths import KIT_CUT
from heap_facts.names import (
    COMMERCE_EVENT,
    CUSTOMER_ID_KEYS,
    CUSTOMER_ID_TYPE,
    EVENT_TYPE_FIELD,
    ITEM_EVENT,
    MAIN_EVENT_NAMES,
    MPID,
    SCREEN_NAME_FIELD,
    SUPPORTED_EVENT_TYPES,
)  # fmt: skip
from heap_facts.platforms import is_supported_platform, is_web

# Names and values up to this long arrive whole under every reading; longer ones may be cut to
# 1023 or 1024 (heap_facts.lengths), so checks compare them with `is_accepted_cut`.
LONGEST_WHOLE = KIT_CUT
ITEM_EVENT_NAME = ITEM_EVENT


@dataclass(frozen=True)
class CommerceShape:
    """One commerce event's kind and the products or promotions that each get an Item sub-event."""

    kind: str  # product_action | impression | promotion
    items: tuple[dict[str, Any], ...]
    action: str | None  # product_action.action (or the promotion action)
    mixed: bool  # more than one kind in one event: the seed does not say how to fan that out
    # How many main events the seed allows: 1, or for impressions also one per impression list
    # (what mParticle's Heap kit sends); the seed's table does not decide between them.
    main_counts: frozenset[int] = frozenset({1})
    # The fewest and the most Heap events the whole commerce event may become, every kind counted.
    count_range: tuple[int, int] = (1, 1)

    @property
    def main_name(self) -> str:
        return MAIN_EVENT_NAMES[self.kind]

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(str(item["id"]) for item in self.items if item.get("id") not in (None, ""))


@dataclass(frozen=True)
class SourceEvent:
    """One mParticle event and what the seed says Heap should get for it."""

    batch_index: int
    event_index: int
    event_type: str
    data: dict[str, Any] = field(repr=False)
    identity: str | None
    skip_reason: str | None  # why the whole batch sends nothing, or None when it is forwarded
    timestamp_ms: int | None  # the event's own timestamp_unixtime_ms
    batch_timestamp_ms: int | None
    session_id: str | None
    commerce: CommerceShape | None

    @property
    def label(self) -> str:
        name = self.data.get("event_name") or self.data.get(SCREEN_NAME_FIELD)
        named = f" {str(name)[:60]!r}" if name else ""
        return f"batch {self.batch_index} event {self.event_index} ({self.event_type}{named})"

    @property
    def subject(self) -> Subject:
        """This event as what a finding is about: its label, and where it is in the fixture."""
        return Subject(self.label, self.batch_index, self.event_index)

    def about(self, detail: str) -> Subject:
        return self.subject.about(detail)

    @property
    def supported(self) -> bool:
        return self.event_type in SUPPORTED_EVENT_TYPES

    @property
    def forwarded(self) -> bool:
        """Whether Heap should get anything for this event at all."""
        return self.supported and self.skip_reason is None

    @property
    def expected_range(self) -> tuple[int, int]:
        """The fewest and the most Heap events this mParticle event may become, under every reading of the seed."""
        if not self.forwarded:
            return (0, 0)
        if self.commerce is not None:
            return self.commerce.count_range
        return (1, 1)

    @property
    def expected_count(self) -> int:
        """How many Heap events this mParticle event becomes at the least."""
        return self.expected_range[0]

    @property
    def expected_text(self) -> str:
        low, high = self.expected_range
        return str(low) if low == high else f"{low} to {high}"

    @property
    def attribution_ms(self) -> int | None:
        """The timestamp its Heap events should carry: its own, or the batch's (our convention)."""
        return self.timestamp_ms if self.timestamp_ms is not None else self.batch_timestamp_ms

    def attributes(self) -> dict[str, Any]:
        """The custom attributes a Heap event can carry as they are (strings and numbers), uncut."""
        return heap_values(self.data.get("custom_attributes"))


@dataclass(frozen=True)
class SourceBatch:
    index: int
    batch: dict[str, Any] = field(repr=False)
    identity: str | None
    skip_reason: str | None
    platform: str | None
    events: tuple[SourceEvent, ...]
    identity_path: str | None = None  # where the identity was read: `mpid`, `user_identities.customerid`, ...

    @property
    def user_attributes(self) -> dict[str, Any]:
        return heap_values(self.batch.get("user_attributes"))

    def about(self, detail: str) -> Subject:
        """The batch as what a finding is about (`batch 2 user attributes`)."""
        return Subject(f"batch {self.index} {detail}", self.index, None)


def heap_values(attributes: Any) -> dict[str, Any]:
    """Attributes whose values Heap takes unchanged (strings, numbers), names and values as sent.

    Booleans, nulls and lists are left out: how to convert them is a forwarder's own choice. Names
    and values are not cut here: the checks accept every documented cut (`is_accepted_cut`).
    """
    if not isinstance(attributes, dict):
        return {}
    return {
        str(key): value
        for key, value in attributes.items()
        if isinstance(value, str) or (isinstance(value, (int, float)) and not isinstance(value, bool))
    }


def read_batches(batches: tuple[dict[str, Any], ...] | list[dict[str, Any]], settings: ForwarderSettings) -> list[SourceBatch]:
    return [read_batch(index, batch, settings) for index, batch in enumerate(batches)]


def read_batch(index: int, batch: dict[str, Any], settings: ForwarderSettings) -> SourceBatch:
    identity, identity_path = chosen_identity(batch, settings.external_id)
    platform = batch_platform(batch)
    reason = skip_reason(platform, identity, settings)
    batch_ts = as_int(batch.get("timestamp_unixtime_ms"))
    events = tuple(
        _source_event(index, position, event, identity, reason, batch_ts) for position, event in enumerate(batch.get("events") or [])
    )
    return SourceBatch(index, batch, identity, reason, platform, events, identity_path)


def _source_event(
    batch_index: int, position: int, event: dict[str, Any], identity: str | None, reason: str | None, batch_ts: int | None
) -> SourceEvent:
    data = event.get("data") or {}
    event_type = str(event.get(EVENT_TYPE_FIELD))
    session_id = data.get("session_id")
    return SourceEvent(
        batch_index=batch_index,
        event_index=position,
        event_type=event_type,
        data=data,
        identity=identity,
        skip_reason=reason,
        timestamp_ms=as_int(data.get("timestamp_unixtime_ms")),
        batch_timestamp_ms=batch_ts,
        session_id=None if session_id in (None, "") else str(session_id),
        commerce=commerce_shape(data) if event_type == COMMERCE_EVENT else None,
    )


def chosen_identity(batch: dict[str, Any], external_id: str) -> tuple[str | None, str | None]:
    """The identity External ID selects, and where it was read: the MPID, or the Customer ID in
    either `user_identities` form (heap_facts.names.CUSTOMER_ID_KEYS)."""
    path: str | None
    if external_id == MPID:
        value, path = batch.get(MPID), MPID
    else:
        value, path = customer_id(batch.get("user_identities"))
    return (None, None) if value in (None, "") else (str(value), path)


def customer_id(identities: Any) -> tuple[Any, str | None]:
    """The Customer ID and its path: the first of CUSTOMER_ID_KEYS in the object form, or the array form's record."""
    if isinstance(identities, dict):
        key = next((key for key in CUSTOMER_ID_KEYS if identities.get(key) not in (None, "")), None)
        return (identities[key], f"user_identities.{key}") if key else (None, None)
    if isinstance(identities, list):
        for position, entry in enumerate(identities):
            if isinstance(entry, dict) and entry.get("identity_type") == CUSTOMER_ID_TYPE:
                return entry.get("identity"), f"user_identities[{position}].identity"
    return None, None


def batch_platform(batch: dict[str, Any]) -> str | None:
    device = batch.get("device_info")
    platform = device.get("platform") if isinstance(device, dict) else None
    return None if platform in (None, "") else str(platform)


def skip_reason(platform: str | None, identity: str | None, settings: ForwarderSettings) -> str | None:
    if not is_supported_platform(platform):
        return f"platform {platform!r} is not supported"
    if is_web(platform) and not settings.forward_web_requests_server_side:
        return "web batch, and Forward Web Requests Server Side is off"
    if identity is None:
        return f"batch has no {settings.external_id}"
    return None


def commerce_shape(data: dict[str, Any]) -> CommerceShape | None:
    """The commerce kind and its fan-out items, or None for a commerce event with nothing to fan out."""
    kinds: list[CommerceShape] = []
    product_action = data.get("product_action")
    if isinstance(product_action, dict):
        kinds.append(CommerceShape("product_action", _dicts(product_action.get("products")), _text(product_action.get("action")), False))
    promotion_action = data.get("promotion_action")
    if isinstance(promotion_action, dict):
        kinds.append(CommerceShape("promotion", _dicts(promotion_action.get("promotions")), _text(promotion_action.get("action")), False))
    impressions = data.get("product_impressions")
    if isinstance(impressions, list):
        lists = [_dicts(impression.get("products")) for impression in impressions if isinstance(impression, dict)]
        products = tuple(product for listed in lists for product in listed)
        per_list = {1, max(1, sum(1 for listed in lists if listed)), max(1, len(lists))}
        kinds.append(CommerceShape("impression", products, None, False, frozenset(per_list)))
    if not kinds:
        return None
    first = kinds[0]
    low = sum(min(kind.main_counts) + len(kind.items) for kind in kinds)
    high = sum(max(kind.main_counts) + len(kind.items) for kind in kinds)
    return CommerceShape(first.kind, first.items, first.action, len(kinds) > 1, first.main_counts, (low, high))


def _dicts(value: Any) -> tuple[dict[str, Any], ...]:
    return tuple(item for item in value if isinstance(item, dict)) if isinstance(value, list) else ()


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


as_int = as_epoch_ms  # an int from a number or a numeric string, as mParticle sends ids and timestamps
