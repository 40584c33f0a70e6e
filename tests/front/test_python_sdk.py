"""mParticle's own Python SDK (PyPI `mparticle`) with its configuration's host pointed at the front:
single and bulk uploads arrive in the simulator mapped as MAPPING.md says."""

from __future__ import annotations

import decimal
from typing import Any

import mparticle  # type: ignore[import-untyped]
import pytest

from forwarder import Settings
from tests.front.conftest import APP_ID, FrontFactory, FrontUnderTest

SESSION = 12345678
T0 = 1767225600000  # 2026-01-01T00:00:00Z, the simulator's virtual epoch


def events_api(front: FrontUnderTest, key: str = "py-key", secret: str = "py-secret") -> Any:
    configuration = mparticle.Configuration()
    configuration.api_key, configuration.api_secret = key, secret
    configuration.host = f"{front.url}/v2"
    return mparticle.EventsApi(configuration)


def product(sku: str, name: str, price: object, quantity: int) -> Any:
    item = mparticle.Product()
    item.id, item.name, item.price, item.quantity = sku, name, price, quantity
    return item


def new_batch(mpid: int, *events: Any, **attributes: Any) -> Any:
    batch = mparticle.Batch()
    batch.environment = "development"
    batch.mpid = mpid
    identities = mparticle.UserIdentities()
    identities.customerid = f"cust-{mpid}"
    batch.user_identities = identities
    device = mparticle.DeviceInformation()
    device.platform = "iOS"
    batch.device_info = device
    batch.user_attributes = attributes or None
    batch.events = list(events)
    return batch


def session_events() -> list[Any]:
    start = mparticle.SessionStartEvent()
    start.session_id, start.timestamp_unixtime_ms = SESSION, T0
    song = mparticle.AppEvent("Played Song", "navigation", custom_attributes={"genre": "jazz", "rating": 4.5})
    song.timestamp_unixtime_ms, song.session_id = T0 + 1000, SESSION
    screen = mparticle.ScreenViewEvent()
    screen.screen_name, screen.custom_attributes = "Library", {"tab": "albums"}
    screen.timestamp_unixtime_ms, screen.session_id = T0 + 2000, SESSION
    action = mparticle.ProductAction("purchase")
    action.transaction_id, action.total_amount = "tx-1", 98.99
    action.products = [product("sku-1", "Headphones", decimal.Decimal("79.99"), 1), product("sku-2", "Cable", 9.5, 2)]
    purchase = mparticle.CommerceEvent(action)
    purchase.timestamp_unixtime_ms, purchase.session_id = T0 + 3000, SESSION
    promotion = mparticle.Promotion()
    promotion.id, promotion.name, promotion.creative, promotion.position = "promo-1", "Spring", "banner", "top"
    promo = mparticle.CommerceEvent(promotion_action=mparticle.PromotionAction("click", [promotion]))
    promo.timestamp_unixtime_ms, promo.session_id = T0 + 4000, SESSION
    end = mparticle.SessionEndEvent()
    end.session_id, end.session_duration_ms, end.timestamp_unixtime_ms = SESSION, 9000, T0 + 9000
    return [start, song, screen, purchase, promo, end]


@pytest.fixture
def sdk_front(make_front: FrontFactory) -> FrontUnderTest:
    return make_front(Settings(APP_ID, forward_user_attributes=True))


def test_a_single_upload_is_mapped_as_mapping_md_says(sdk_front: FrontUnderTest) -> None:
    events_api(sdk_front).upload_events(new_batch(777, *session_events(), plan="pro", ID="internal-7"))
    sdk_front.settle()
    heap = sdk_front.heap
    names = [event["event"] for event in heap.events(identity="777")]
    assert names == [
        "Session Start", "Played Song", "Viewed: Library", "Product Action Event", "Item", "Item", "Promotion Event", "Item", "Session End",
    ]  # fmt: skip
    by_name = {event["event"]: event for event in heap.events(identity="777")}
    assert by_name["Played Song"]["properties"] == {"genre": "jazz", "rating": 4.5, "event_type": "navigation"}
    assert by_name["Viewed: Library"]["properties"] == {"tab": "albums", "screen_name": "Library"}
    assert by_name["Product Action Event"]["properties"]["product_ids"] == "sku-1||sku-2"
    items = [event["properties"] for event in heap.events(identity="777", event="Item")]
    assert [item.get("product_price") for item in items[:2]] == [79.99, 9.5]
    assert by_name["Session End"]["properties"]["session_duration_ms"] == 9000
    assert all(event["session_id"] == str(SESSION) for event in heap.events(identity="777"))
    [user] = heap.users()
    assert user["properties"] == {"plan": "pro", "mparticle_ID": "internal-7"}


def test_a_bulk_upload_delivers_every_batch_with_its_lineage(sdk_front: FrontUnderTest) -> None:
    song = mparticle.AppEvent("Played Song", "navigation")
    events_api(sdk_front).bulk_upload_events([new_batch(1, song), new_batch(2, song), new_batch(3, *session_events())])
    sdk_front.settle()
    assert sorted(event["identity"] for event in sdk_front.heap.events(event="Played Song")) == ["1", "2", "3"]
    summaries = sdk_front.batches()
    assert [(s["client"], s["route"], s["status"]) for s in summaries] == [("events_api", "/v2/bulkevents", "delivered")] * 3
    purchase = sdk_front.lineage(summaries[0]["id"])["events"][3]
    assert purchase["event_type"] == "commerce_event"
    assert purchase["heap_requests"][0]["names"] == ["Product Action Event", "Item", "Item"]


def test_the_sdk_sees_401_for_a_wrong_secret(make_front: FrontFactory) -> None:
    front = make_front(api_key="py-key", api_secret="right")
    with pytest.raises(mparticle.rest.ApiException) as refused:
        events_api(front, secret="wrong").upload_events(new_batch(5, mparticle.AppEvent("Nope", "other")))
    assert refused.value.status == 401
