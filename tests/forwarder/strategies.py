"""Hypothesis strategies for mParticle batches: valid-ish ones shaped like the sources' batches, with
every field free to hold the wrong kind of value, and hostile ones (any JSON at all, NaN, infinities,
integers beyond 64 bits, lone surrogates, deep nesting)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

# Text that may hold lone surrogates (category Cs), which hypothesis leaves out by default.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=12)
PLAIN_TEXT = st.text(max_size=12)
BIG_INTEGERS = st.sampled_from([2**53, 2**63, 2**64, -(2**70), 10**30])
NUMBERS = st.integers() | BIG_INTEGERS | st.floats(allow_nan=True, allow_infinity=True)
SCALARS = st.none() | st.booleans() | NUMBERS | ANY_TEXT
JSON_VALUES = st.recursive(
    SCALARS, lambda children: st.lists(children, max_size=3) | st.dictionaries(ANY_TEXT, children, max_size=3), max_leaves=12
)
TIMES = st.integers(min_value=-1, max_value=2**63) | st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(["1767225600000", "12.5", "", "soon"])
IDS = st.integers() | BIG_INTEGERS | PLAIN_TEXT | ANY_TEXT | st.none() | st.floats(allow_nan=True, allow_infinity=True)
EVENT_TYPES = st.sampled_from(["custom_event", "screen_view", "session_start", "session_end", "commerce_event", "opt_out", "Custom_Event "])
ATTRIBUTES = st.dictionaries(ANY_TEXT, JSON_VALUES, max_size=4) | JSON_VALUES


def _optional(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


PRODUCTS = st.lists(
    _optional(id=IDS, name=ANY_TEXT, price=NUMBERS | PLAIN_TEXT, quantity=NUMBERS, brand=ANY_TEXT, custom_attributes=ATTRIBUTES) | JSON_VALUES,
    max_size=3,
)
COMMERCE = _optional(
    product_action=_optional(action=st.sampled_from(["purchase", "add_to_cart", "refund"]) | NUMBERS | ANY_TEXT, products=PRODUCTS,
                             transaction_id=IDS, total_amount=NUMBERS | PLAIN_TEXT),
    promotion_action=_optional(action=NUMBERS | ANY_TEXT, promotions=st.lists(_optional(id=IDS, name=ANY_TEXT) | JSON_VALUES, max_size=2)),
    product_impressions=st.lists(_optional(product_impression_list=ANY_TEXT, products=PRODUCTS) | JSON_VALUES, max_size=2),
    currency_code=ANY_TEXT,
)
EVENT_DATA = st.builds(
    lambda common, commerce: {**common, **commerce},
    _optional(event_name=ANY_TEXT | NUMBERS | JSON_VALUES, screen_name=ANY_TEXT | JSON_VALUES, custom_event_type=ANY_TEXT | JSON_VALUES,
              custom_attributes=ATTRIBUTES, timestamp_unixtime_ms=TIMES, session_id=IDS, session_uuid=IDS, session_duration_ms=NUMBERS),
    COMMERCE,
)
EVENTS = st.fixed_dictionaries({"event_type": EVENT_TYPES, "data": EVENT_DATA})
VALID_ISH_BATCHES = st.fixed_dictionaries(
    {"events": st.lists(EVENTS, max_size=4)},
    optional={
        "mpid": IDS,
        "source_request_id": IDS,
        "timestamp_unixtime_ms": TIMES,
        "user_identities": _optional(customer_id=IDS, email=ANY_TEXT) | st.lists(_optional(identity_type=ANY_TEXT, identity=IDS), max_size=2),
        "device_info": _optional(platform=st.sampled_from(["iOS", "Android", "web", "smart_tv", "roku", ""]) | JSON_VALUES),
        "user_attributes": ATTRIBUTES,
    },
)
# Hostile: any JSON, events that are not events, and valid-ish batches.
HOSTILE_BATCHES = VALID_ISH_BATCHES | JSON_VALUES | st.fixed_dictionaries({"mpid": IDS, "events": JSON_VALUES | st.lists(JSON_VALUES, max_size=3)})


def deeply_nested(levels: int) -> str:
    """JSON text nested `levels` deep, which hypothesis's sizes never reach."""
    return "[" * levels + "]" * levels


def json_text(value: Any) -> str:
    """JSON as Python and JavaScript writers send it: NaN and Infinity as words, lone surrogates
    escaped, every line break escaped so one value fits on one line."""
    return json.dumps(value, allow_nan=True)
