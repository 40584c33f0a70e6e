"""A commerce event broken into Heap events, as the seed's commerce table says: one main event,
then one `Item` sub-event per product or promotion. Pure; the caller adds identity, time and keys.

Main events: `Product Action Event` (product_action), `Promotion Event` (promotion_action),
`Impression Event` (product_impressions). When one commerce event holds more than one of these
(S12 expands all three), each becomes its own main event followed by its items, in that order.
Property names are decided in MAPPING.md; fields set here win over custom attributes of the same name.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from forwarder.values import ARRAY_JOINER, HeapValue, cut, decimal_number, heap_properties, heap_value, id_text
from heap_facts.names import IMPRESSION_EVENT, ITEM_EVENT, PRODUCT_ACTION_EVENT, PROMOTION_EVENT

# The web SDK's numeric ProductActionType and PromotionActionType (S8), which web batches may carry.
_PRODUCT_ACTIONS_BY_NUMBER = {
    0: "unknown", 1: "add_to_cart", 2: "remove_from_cart", 3: "checkout", 4: "checkout_option", 5: "click",
    6: "view_detail", 7: "purchase", 8: "refund", 9: "add_to_wishlist", 10: "remove_from_wish_list",
}
_PROMOTION_ACTIONS_BY_NUMBER = {0: "unknown", 1: "view", 2: "click"}

# Product fields (S1 §4.2) and the Heap property each becomes.
PRODUCT_FIELDS = (
    ("id", "product_id"), ("name", "product_name"), ("brand", "product_brand"), ("category", "product_category"),
    ("variant", "product_variant"), ("position", "product_position"), ("price", "product_price"),
    ("quantity", "product_quantity"), ("coupon_code", "product_coupon_code"),
    ("total_product_amount", "total_product_amount"), ("added_to_cart_time_ms", "product_added_to_cart_time_ms"),
)
# product_action fields (S1 §4.1) that describe the transaction, kept under their own names on the main event.
ACTION_FIELDS = (
    "transaction_id", "affiliation", "total_amount", "tax_amount", "shipping_amount", "coupon_code",
    "checkout_step", "checkout_options", "product_action_list", "product_list_source",
)
PROMOTION_FIELDS = (("id", "promotion_id"), ("name", "promotion_name"), ("creative", "promotion_creative"), ("position", "promotion_position"))

HeapEventSpec = tuple[str, dict[str, HeapValue]]


def has_commerce(data: Mapping[str, Any]) -> bool:
    """Whether the commerce event carries anything the seed maps (the Python SDK files crash reports as commerce)."""
    return any(isinstance(data.get(key), want) for key, want in _KINDS)


_KINDS = (("product_action", Mapping), ("promotion_action", Mapping), ("product_impressions", list))


def commerce_events_bound(data: Mapping[str, Any]) -> int:
    """At most how many Heap events `expand_commerce(data)` makes, counted without making any: one
    main event per kind present, and one per entry of its product or promotion lists."""
    count = 0
    if isinstance(data.get("product_action"), Mapping):
        count += 1 + _length(data["product_action"].get("products"))
    if isinstance(data.get("promotion_action"), Mapping):
        count += 1 + _length(data["promotion_action"].get("promotions"))
    if isinstance(data.get("product_impressions"), list):
        impressions = [impression for impression in data["product_impressions"] if isinstance(impression, Mapping)]
        count += 1 + sum(_length(impression.get("products")) for impression in impressions)
    return count


def _length(value: Any) -> int:
    return len(value) if isinstance(value, list) else 0


def expand_commerce(data: Mapping[str, Any]) -> list[HeapEventSpec]:
    """The Heap events (name, properties) of one commerce event, main events first in each group."""
    specs: list[HeapEventSpec] = []
    currency = data.get("currency_code")
    if isinstance(data.get("product_action"), Mapping):
        specs += _product_action_events(data["product_action"], data.get("custom_attributes"), currency)
    if isinstance(data.get("promotion_action"), Mapping):
        specs += _promotion_events(data["promotion_action"], data.get("custom_attributes"))
    if isinstance(data.get("product_impressions"), list):
        specs += _impression_events(data["product_impressions"], data.get("custom_attributes"), currency)
    return specs


def _product_action_events(action: Mapping[str, Any], attributes: Any, currency: Any) -> list[HeapEventSpec]:
    action_type = _named_action(action.get("action"), _PRODUCT_ACTIONS_BY_NUMBER)
    products = _objects(action.get("products"))
    main = heap_properties(attributes)
    main["product_action"] = action_type
    for name in ACTION_FIELDS:
        _put(main, name, decimal_number(action.get(name)))
    _put(main, "currency_code", currency)
    _put(main, "product_ids", _joined_ids(products))
    items = [_product_item(product, {"product_action": action_type}, currency) for product in products]
    return [(PRODUCT_ACTION_EVENT, main), *items]


def _promotion_events(action: Mapping[str, Any], attributes: Any) -> list[HeapEventSpec]:
    action_type = _named_action(action.get("action"), _PROMOTION_ACTIONS_BY_NUMBER)
    promotions = _objects(action.get("promotions"))
    main = heap_properties(attributes)
    main["promotion_action"] = action_type
    _put(main, "promotion_ids", _joined_ids(promotions))
    return [(PROMOTION_EVENT, main), *(_promotion_item(promotion, action_type) for promotion in promotions)]


def _impression_events(impressions: list[Any], attributes: Any, currency: Any) -> list[HeapEventSpec]:
    lists = _objects(impressions)
    main = heap_properties(attributes)
    items: list[HeapEventSpec] = []
    all_products: list[Mapping[str, Any]] = []
    for impression in lists:
        products = _objects(impression.get("products"))
        all_products += products
        context = {"product_impression_list": heap_value(impression.get("product_impression_list"))}
        items += [_product_item(product, context, currency) for product in products]
    _put(main, "product_impression_lists", _joined([impression.get("product_impression_list") for impression in lists]))
    _put(main, "product_ids", _joined_ids(all_products))
    return [(IMPRESSION_EVENT, main), *items]


def _product_item(product: Mapping[str, Any], context: Mapping[str, HeapValue | None], currency: Any) -> HeapEventSpec:
    properties = heap_properties(product.get("custom_attributes"))
    for field, name in PRODUCT_FIELDS:
        _put(properties, name, decimal_number(product.get(field)))
    for name, value in context.items():
        _put(properties, name, value)
    _put(properties, "currency_code", currency)
    return (ITEM_EVENT, properties)


def _promotion_item(promotion: Mapping[str, Any], action_type: str) -> HeapEventSpec:
    properties = heap_properties(promotion.get("custom_attributes"))
    for field, name in PROMOTION_FIELDS:
        _put(properties, name, promotion.get(field))
    properties["promotion_action"] = action_type
    return (ITEM_EVENT, properties)


def _named_action(value: Any, by_number: Mapping[int, str]) -> str:
    """An action type as mParticle spells it in text; numbers (web SDK enums) translated; absent is `unknown`."""
    if isinstance(value, bool) or value is None:
        return "unknown"
    if isinstance(value, float) and not math.isfinite(value):
        return "unknown"  # NaN or an infinity names no action
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isascii() and value.strip().isdigit()):
        return by_number.get(int(value), "unknown")
    text = str(value).strip().lower()
    return cut(text) if text else "unknown"


def _objects(value: Any) -> list[Mapping[str, Any]]:
    """The objects of a list that may be null or hold junk; junk entries carry nothing to map."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _joined_ids(records: list[Mapping[str, Any]]) -> str | None:
    return _joined([id_text(record.get("id")) for record in records])


def _joined(values: list[Any]) -> str | None:
    texts = [str(value) for value in values if value is not None and value != ""]
    return cut(ARRAY_JOINER.join(texts)) if texts else None


def _put(properties: dict[str, HeapValue], name: str, value: Any) -> None:
    converted = heap_value(value)
    if converted is not None:
        properties[name] = converted
