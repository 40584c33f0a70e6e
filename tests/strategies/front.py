"""Hypothesis strategies for what any web page or client might send heap-forward serve.

Uploads are bytes, so anything a socket carries: mParticle batches with one field swapped for a
hostile value, amplifying shapes (a commerce event of many empty products, each one a Heap event),
identity calls whose identities are hostile (lone surrogates, which no JSON encoder can write back
out, once blanked the lineage page), any JSON value at all, and bytes that are not JSON.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.strategies.hostile import JSON_VALUES, TRICKY_TEXT, encode

BATCH: dict[str, Any] = {
    "mpid": "42",
    "device_info": {"platform": "iOS"},
    "user_identities": {"customer_id": "c-1"},
    "events": [{"event_type": "custom_event", "data": {"event_name": "E", "custom_event_type": "navigation", "custom_attributes": {"a": "b"}}}],
}
BATCH_FIELDS = ["mpid", "device_info", "user_identities", "user_attributes", "events", "environment", "source_request_id"]
EVENT_FIELDS = ["event_type", "data"]
DATA_FIELDS = ["event_name", "custom_event_type", "custom_attributes", "timestamp_unixtime_ms", "screen_name", "product_action"]
HOSTILE = JSON_VALUES | TRICKY_TEXT


def swapped_batch() -> st.SearchStrategy[Any]:
    """A batch with one field, of the batch, its event or the event's data, set to a hostile value."""

    def swap(level: str, field: str, value: Any) -> Any:
        event = dict(BATCH["events"][0])
        if level == "batch":
            return {**BATCH, field: value}
        if level == "event":
            return {**BATCH, "events": [{**event, field: value}]}
        return {**BATCH, "events": [{**event, "data": {**event["data"], field: value}}]}

    return st.one_of(
        st.builds(swap, st.just("batch"), st.sampled_from(BATCH_FIELDS), HOSTILE),
        st.builds(swap, st.just("event"), st.sampled_from(EVENT_FIELDS), HOSTILE),
        st.builds(swap, st.just("data"), st.sampled_from(DATA_FIELDS), HOSTILE),
    )


def amplifying_batch() -> st.SearchStrategy[Any]:
    """A commerce event whose products are `{}`: a few bytes each, one Heap event each."""

    def build(products: int, events: int) -> Any:
        commerce = {"event_type": "commerce_event", "data": {"product_action": {"action": "purchase", "products": [{}] * products}}}
        return {**BATCH, "events": [commerce] * events}

    return st.builds(build, st.integers(min_value=0, max_value=60), st.integers(min_value=1, max_value=5))


def identity_body() -> st.SearchStrategy[Any]:
    """An identity call's body with hostile identities (keys and values)."""
    identities = st.dictionaries(st.sampled_from(["customerid", "email", "other", "\ud800"]) | TRICKY_TEXT, HOSTILE, max_size=3)
    return st.one_of(
        st.builds(lambda known: {"known_identities": known, "previous_mpid": None}, identities),
        st.builds(lambda changes: {"identity_changes": changes}, st.lists(st.dictionaries(st.sampled_from(["identity_type", "new_value", "old_value"]), HOSTILE), max_size=2)),
    )


def upload(kind: str) -> st.SearchStrategy[bytes]:
    """Any hostile upload for a path of this kind: `batch`, `bulk` or `identity`."""
    valid = {"batch": swapped_batch() | amplifying_batch(), "bulk": st.lists(swapped_batch() | amplifying_batch(), max_size=3), "identity": identity_body()}[kind]
    return st.one_of(valid.map(encode), JSON_VALUES.map(encode), st.binary(max_size=64))


QUERY_VALUES = st.sampled_from(["", "0", "1", "100", "1000", "1001", "-1", "²", "①", "٣", "1" * 5000, "abc", "1e3", " 7"]) | st.text(max_size=8)
