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
from typing import Any, NamedTuple

from forwarder import sections
from forwarder.explain import Notes
from forwarder.model import ADDED, CONVERTED, KEPT, RENAMED
from forwarder.values import HeapValue, convert, cut, decimal_number, describe, heap_properties, heap_value, id_text
from heap_facts.lengths import ARRAY_JOINER
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
# How the explanation words the properties the mapping derives rather than copies.
_JOINED_IDS = f'the IDs joined with "{ARRAY_JOINER}"'
_JOINED_LISTS = f'the list names joined with "{ARRAY_JOINER}"'
_ON_EACH_ITEM = "copied from the commerce event, so an Item can be analysed alone"


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


def expand_commerce(data: Mapping[str, Any], notes: Notes | None = None) -> list[HeapEventSpec]:
    """The Heap events (name, properties) of one commerce event, main events first in each group.

    With `notes`, what became of each field is noted against the Heap event it went to (its
    position in the list returned)."""
    specs: list[HeapEventSpec] = []
    currency = data.get("currency_code")
    if notes is not None:
        notes.used("currency_code", "custom_attributes")
    if isinstance(data.get("product_action"), Mapping):
        specs += _product_action_events(data["product_action"], data.get("custom_attributes"), currency, _Place(notes, len(specs)))
    if isinstance(data.get("promotion_action"), Mapping):
        specs += _promotion_events(data["promotion_action"], data.get("custom_attributes"), _Place(notes, len(specs)))
    if isinstance(data.get("product_impressions"), list):
        specs += _impression_events(data["product_impressions"], data.get("custom_attributes"), currency, _Place(notes, len(specs)))
    return specs


class _Place:
    """Where the notes of one group of Heap events go: `notes` (None: not explaining) from `first` on."""

    def __init__(self, notes: Notes | None, first: int) -> None:
        self.notes, self.first = notes, first

    def at(self, offset: int) -> Notes | None:
        """The notes, now about the group's Heap event at `offset` (0: the main event)."""
        if self.notes is not None:
            self.notes.heap_event = self.first + offset
        return self.notes


def _product_action_events(action: Mapping[str, Any], attributes: Any, currency: Any, place: _Place) -> list[HeapEventSpec]:
    action_type = _named_action(action.get("action"), _PRODUCT_ACTIONS_BY_NUMBER)
    products = _objects(action.get("products"))
    notes = place.at(0)
    main = _main_event(PRODUCT_ACTION_EVENT, "product_action", attributes, notes, sections.PRODUCT_ACTION)
    main["product_action"] = action_type
    _note_action(notes, "product_action.action", action.get("action"), action_type, sections.PRODUCT_ACTION)
    for name in ACTION_FIELDS:
        _put(main, name, decimal_number(action.get(name)), notes, _origin(notes, f"product_action.{name}", action.get(name), sections.PRODUCT_ACTION))
    _put(main, "currency_code", currency, notes, _origin(notes, "currency_code", currency, sections.PRODUCT_ACTION))
    _put(main, "product_ids", _joined_ids(products), notes, _origin(notes, "product_action.products[].id", None, sections.PRODUCT_ACTION, _JOINED_IDS))
    items = [
        _product_item(product, {"product_action": (action_type, "product_action.action")}, currency, place.at(1 + number), ("product_action.products", index))
        for number, (index, product) in enumerate(products)
    ]
    return [(PRODUCT_ACTION_EVENT, main), *items]


def _promotion_events(action: Mapping[str, Any], attributes: Any, place: _Place) -> list[HeapEventSpec]:
    action_type = _named_action(action.get("action"), _PROMOTION_ACTIONS_BY_NUMBER)
    promotions = _objects(action.get("promotions"))
    notes = place.at(0)
    main = _main_event(PROMOTION_EVENT, "promotion_action", attributes, notes, sections.PROMOTIONS)
    main["promotion_action"] = action_type
    _note_action(notes, "promotion_action.action", action.get("action"), action_type, sections.PROMOTIONS)
    _put(main, "promotion_ids", _joined_ids(promotions), notes, _origin(notes, "promotion_action.promotions[].id", None, sections.PROMOTIONS, _JOINED_IDS))
    items = [
        _promotion_item(promotion, action_type, place.at(1 + number), ("promotion_action.promotions", index))
        for number, (index, promotion) in enumerate(promotions)
    ]
    return [(PROMOTION_EVENT, main), *items]


def _impression_events(impressions: list[Any], attributes: Any, currency: Any, place: _Place) -> list[HeapEventSpec]:
    lists = _objects(impressions)
    notes = place.at(0)
    main = _main_event(IMPRESSION_EVENT, "product_impressions", attributes, notes, sections.IMPRESSIONS)
    items: list[HeapEventSpec] = []
    all_products: list[tuple[int, Mapping[str, Any]]] = []
    for list_index, impression in lists:
        products = _objects(impression.get("products"))
        all_products += products
        list_name = heap_value(impression.get("product_impression_list"))
        context = {"product_impression_list": (list_name, f"product_impressions[{list_index}].product_impression_list")}
        items += [
            _product_item(product, context, currency, place.at(1 + len(items) + number), (f"product_impressions[{list_index}].products", index))
            for number, (index, product) in enumerate(products)
        ]
    place.at(0)
    lists_joined = _joined([impression.get("product_impression_list") for _, impression in lists])
    _put(main, "product_impression_lists", lists_joined, notes, _origin(notes, "product_impressions[].product_impression_list", None, sections.IMPRESSIONS, _JOINED_LISTS))
    _put(main, "product_ids", _joined_ids(all_products), notes, _origin(notes, "product_impressions[].products[].id", None, sections.IMPRESSIONS, _JOINED_IDS))
    return [(IMPRESSION_EVENT, main), *items]


def _main_event(name: str, source: str, attributes: Any, notes: Notes | None, section: str) -> dict[str, HeapValue]:
    """A main event's properties: the commerce event's custom attributes (noted, with its name)."""
    if notes is not None:
        notes.note(source, "event", ADDED, f'a "{name}" main event (the commerce table)', sections.COMMERCE_NAMES)
    return heap_properties(attributes, notes=notes)


def _product_item(
    product: Mapping[str, Any], context: Mapping[str, tuple[HeapValue | None, str]], currency: Any, notes: Notes | None, place: tuple[str, int]
) -> HeapEventSpec:
    """A product's Item: its attributes and fields, plus `context` (name: value and where it comes
    from), so an Item can be analysed without its main event. `place`: its list and index there."""
    source = f"{place[0]}[{place[1]}]" if notes is not None else ""
    if notes is not None:
        notes.note(source, "event", ADDED, f'an "{ITEM_EVENT}" per product', sections.PRODUCT_ITEM)
    properties = heap_properties(product.get("custom_attributes"), notes=notes, source=f"{source}.custom_attributes")
    for field, name in PRODUCT_FIELDS:
        _put(properties, name, decimal_number(product.get(field)), notes, _origin(notes, f"{source}.{field}", product.get(field), sections.PRODUCT_ITEM))
    for name, (value, origin) in context.items():
        _put(properties, name, value, notes, _origin(notes, origin, None, sections.PRODUCT_ITEM, _ON_EACH_ITEM))
    _put(properties, "currency_code", currency, notes, _origin(notes, "currency_code", None, sections.PRODUCT_ITEM, _ON_EACH_ITEM))
    return (ITEM_EVENT, properties)


def _promotion_item(promotion: Mapping[str, Any], action_type: str, notes: Notes | None, place: tuple[str, int]) -> HeapEventSpec:
    source = f"{place[0]}[{place[1]}]" if notes is not None else ""
    if notes is not None:
        notes.note(source, "event", ADDED, f'an "{ITEM_EVENT}" per promotion', sections.PROMOTIONS)
    properties = heap_properties(promotion.get("custom_attributes"), notes=notes, source=f"{source}.custom_attributes")
    for field, name in PROMOTION_FIELDS:
        _put(properties, name, promotion.get(field), notes, _origin(notes, f"{source}.{field}", promotion.get(field), sections.PROMOTIONS))
    properties["promotion_action"] = action_type
    if notes is not None:
        notes.note("promotion_action.action", "properties.promotion_action", ADDED, "the promotion action, on each Item too", sections.PROMOTIONS)
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


def _note_action(notes: Notes | None, source: str, sent: Any, action_type: str, section: str) -> None:
    if notes is None:
        return
    target = "properties." + source.split(".", 1)[0]
    if sent is None:
        notes.note(source, target, ADDED, 'absent: "unknown"', section)
    elif sent == action_type:
        notes.note(source, target, RENAMED, f"sent as {target.removeprefix('properties.')}", section)
    else:
        notes.note(source, target, CONVERTED, f'{sent!r} became "{action_type}"', section)


def _objects(value: Any) -> list[tuple[int, Mapping[str, Any]]]:
    """The objects of a list that may be null or hold junk, with their places in it; junk entries carry nothing to map."""
    if not isinstance(value, list):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, Mapping)]


def _joined_ids(records: list[tuple[int, Mapping[str, Any]]]) -> str | None:
    return _joined([id_text(record.get("id")) for _, record in records])


def _joined(values: list[Any]) -> str | None:
    texts = [str(value) for value in values if value is not None and value != ""]
    return cut(ARRAY_JOINER.join(texts)) if texts else None


class Origin(NamedTuple):
    """Where a property the commerce mapping sets comes from: the field's place, the value as sent
    (None for a value the mapping derives, such as joined IDs) and the deciding section."""

    source: str
    sent: Any
    section: str
    words: str = "set by the mapping"


def _origin(notes: Notes | None, source: str, sent: Any, section: str, words: str = "set by the mapping") -> Origin | None:
    """Where a property comes from, when the mapping is explaining itself (`notes` given); else None."""
    return Origin(source, sent, section, words) if notes is not None else None


def _put(properties: dict[str, HeapValue], name: str, value: Any, notes: Notes | None = None, origin: Origin | None = None) -> None:
    converted, branch = convert(value)
    if converted is not None:
        properties[name] = converted
    if notes is not None and origin is not None and value is not None:
        notes.note(origin.source, f"properties.{name}", *_put_words(name, value, converted, branch, origin), origin.section)


def _put_words(name: str, value: Any, converted: HeapValue | None, branch: str, origin: Origin) -> tuple[str, str]:
    """The change a commerce field went through on its way to the property `name`, and the words for it."""
    if origin.sent is None:
        return ADDED, origin.words
    change, words = describe(value, converted, branch)
    if isinstance(origin.sent, str) and not isinstance(value, str):
        change, words = CONVERTED, f"the decimal string {origin.sent!r} became the number {value!r}"
    if origin.source.rsplit(".", 1)[-1] == name:
        return change, words
    return (RENAMED, f"sent as {name}") if change == KEPT else (change, f"sent as {name}; {words}")
