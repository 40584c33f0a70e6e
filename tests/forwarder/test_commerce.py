"""Commerce events: one bulk request, main event then one Item per product or promotion."""

from __future__ import annotations

from typing import Any

import pytest

from forwarder import Settings, map_batch
from tests.forwarder.conftest import custom, make_batch
from tests.forwarder.test_mapping import commerce_purchase


def commerce(**data: Any) -> dict[str, Any]:
    return {"event_type": "commerce_event", "data": data}


def only_bulk(batch: dict[str, Any], settings: Settings) -> list[dict[str, Any]]:
    requests = map_batch(batch, settings).requests
    assert [request.kind for request in requests] == ["bulk_track"]
    events: list[dict[str, Any]] = requests[0].body["events"]
    return events


def test_product_action_is_one_bulk_request_main_then_items(settings: Settings) -> None:
    products = [
        {"id": "sku-1", "name": "Headphones", "brand": "Acme", "category": "Audio", "variant": "black", "position": 1, "price": 79.99,
         "quantity": 1, "coupon_code": "C1", "total_product_amount": 79.99, "custom_attributes": {"color": "black"}},
        {"id": "sku-2", "name": "Cable", "price": "9.50", "quantity": 2},
    ]
    data = {
        "product_action": {"action": "purchase", "transaction_id": "tx-1", "total_amount": 98.99, "tax_amount": None, "products": products},
        "custom_attributes": {"coupon": "SPRING"},
        "currency_code": "USD",
        "timestamp_unixtime_ms": 1735689603000,
        "session_id": 77,
    }
    events = only_bulk(make_batch(commerce(**data)), settings)
    assert [event["event"] for event in events] == ["Product Action Event", "Item", "Item"]
    assert events[0]["properties"] == {
        "coupon": "SPRING", "product_action": "purchase", "transaction_id": "tx-1", "total_amount": 98.99,
        "currency_code": "USD", "product_ids": "sku-1||sku-2",
    }
    assert events[1]["properties"] == {
        "color": "black", "product_id": "sku-1", "product_name": "Headphones", "product_brand": "Acme", "product_category": "Audio",
        "product_variant": "black", "product_position": 1, "product_price": 79.99, "product_quantity": 1, "product_coupon_code": "C1",
        "total_product_amount": 79.99, "product_action": "purchase", "currency_code": "USD",
    }
    assert events[2]["properties"]["product_price"] == 9.5  # a Decimal the Python SDK wrote as a string
    for event in events:
        assert (event["identity"], event["timestamp"], event["session_id"]) == ("cust-1", "2025-01-01T00:00:03.000Z", "77")
        assert "app_id" not in event


def test_item_fields_win_over_product_custom_attributes(settings: Settings) -> None:
    data = {"product_action": {"action": "add_to_cart", "products": [{"id": "real", "custom_attributes": {"product_id": "fake"}}]}}
    assert only_bulk(make_batch(commerce(**data)), settings)[1]["properties"]["product_id"] == "real"


def test_promotion_event_with_numeric_action(settings: Settings) -> None:
    promotions = [{"id": "P1", "name": "Spring", "creative": "banner", "position": "top"}, {"id": "P2", "custom_attributes": {"slot": 2}}]
    events = only_bulk(make_batch(commerce(promotion_action={"action": 2, "promotions": promotions}, custom_attributes={"page": "home"})), settings)
    assert [event["event"] for event in events] == ["Promotion Event", "Item", "Item"]
    assert events[0]["properties"] == {"page": "home", "promotion_action": "click", "promotion_ids": "P1||P2"}
    assert events[1]["properties"] == {
        "promotion_id": "P1", "promotion_name": "Spring", "promotion_creative": "banner", "promotion_position": "top", "promotion_action": "click",
    }
    assert events[2]["properties"] == {"slot": 2, "promotion_id": "P2", "promotion_action": "click"}


@pytest.mark.parametrize(("action", "expected"), [(1, "view"), ("2", "click"), ("view", "view"), ("Click", "click"), (None, "unknown"), (9, "unknown")])
def test_promotion_action_spellings(action: Any, expected: str, settings: Settings) -> None:
    events = only_bulk(make_batch(commerce(promotion_action={"action": action, "promotions": []})), settings)
    assert events[0]["properties"]["promotion_action"] == expected


@pytest.mark.parametrize(("action", "expected"), [(7, "purchase"), ("purchase", "purchase"), (10, "remove_from_wish_list"), (None, "unknown")])
def test_product_action_spellings(action: Any, expected: str, settings: Settings) -> None:
    events = only_bulk(make_batch(commerce(product_action={"action": action})), settings)
    assert events[0]["properties"]["product_action"] == expected


def test_impressions_one_main_event_and_an_item_per_product_of_every_list(settings: Settings) -> None:
    impressions = [
        {"product_impression_list": "Recommended", "products": [{"id": "A", "price": 1}, {"id": "B"}]},
        {"product_impression_list": "Search", "products": [{"id": "C"}]},
    ]
    events = only_bulk(make_batch(commerce(product_impressions=impressions, custom_attributes={"page": "home"})), settings)
    assert [event["event"] for event in events] == ["Impression Event", "Item", "Item", "Item"]
    assert events[0]["properties"] == {"page": "home", "product_impression_lists": "Recommended||Search", "product_ids": "A||B||C"}
    assert [event["properties"]["product_impression_list"] for event in events[1:]] == ["Recommended", "Recommended", "Search"]
    assert events[1]["properties"] == {"product_id": "A", "product_price": 1, "product_impression_list": "Recommended"}


def test_all_three_kinds_in_one_commerce_event_go_in_one_request(settings: Settings) -> None:
    data = {
        "product_action": {"action": "view_detail", "products": [{"id": "A"}]},
        "promotion_action": {"action": "view", "promotions": [{"id": "P"}]},
        "product_impressions": [{"product_impression_list": "L", "products": [{"id": "B"}]}],
    }
    names = [event["event"] for event in only_bulk(make_batch(commerce(**data)), settings)]
    assert names == ["Product Action Event", "Item", "Promotion Event", "Item", "Impression Event", "Item"]


@pytest.mark.parametrize("products", [None, [], ["junk", None]])
def test_product_action_without_products_is_the_main_event_alone(products: Any, settings: Settings) -> None:
    events = only_bulk(make_batch(commerce(product_action={"action": "checkout", "checkout_step": 2, "products": products})), settings)
    assert [event["event"] for event in events] == ["Product Action Event"]
    assert events[0]["properties"] == {"product_action": "checkout", "checkout_step": 2}


def test_commerce_event_with_nothing_to_map_is_skipped(settings: Settings) -> None:
    result = map_batch(make_batch(commerce(message="boom", product_action=None, promotion_action=None, product_impressions=None)), settings)
    assert result.requests == () and "nothing to map" in result.skipped[0].reason


def test_a_commerce_event_over_1000_heap_events_splits_into_consecutive_bulk_requests(settings: Settings) -> None:
    requests = map_batch(make_batch(commerce_purchase(2500)), settings).requests
    assert [len(request.body["events"]) for request in requests] == [1000, 1000, 501]
    events = [event for request in requests for event in request.body["events"]]
    assert events[0]["event"] == "Product Action Event"
    assert [event["properties"]["product_id"] for event in events[1:]] == [f"sku-{n}" for n in range(2500)]
    assert len({event["idempotency_key"] for event in events}) == 2501
    assert all(request.body["app_id"] == "11" for request in requests)


def test_commerce_keeps_its_place_among_other_events(settings: Settings) -> None:
    requests = map_batch(make_batch(custom("before"), commerce_purchase(1), custom("after")), settings).requests
    assert [request.kind for request in requests] == ["track", "bulk_track", "track"]
