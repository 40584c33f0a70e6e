"""How python_sdk_0_16_1_batch.json was made, with mParticle's own Python SDK (PyPI `mparticle`
0.16.1), which is not a dependency of heap-sim. Run by hand in a scratch venv:

    pip download --no-deps mparticle==0.16.1 -d /tmp/sdk && unzip -d /tmp/sdk /tmp/sdk/*.whl
    pip install six python-dateutil urllib3 certifi
    PYTHONPATH=/tmp/sdk python make_python_sdk_batch.py > python_sdk_0_16_1_batch.json

Not collected by pytest (its name does not start with test_).
"""

import decimal
import json

from mparticle import (  # type: ignore[import-not-found]
    AppEvent,
    Batch,
    CommerceEvent,
    CrashReportEvent,
    DeviceInformation,
    Product,
    ProductAction,
    ProductImpression,
    Promotion,
    PromotionAction,
    ScreenViewEvent,
    SessionEndEvent,
    SessionStartEvent,
    UserIdentities,
)
from mparticle.api_client import ApiClient  # type: ignore[import-not-found]

SESSION = 12345678
T0 = 1735689600000  # 2025-01-01T00:00:00Z


def product(sku: str, name: str, price: object, quantity: int) -> Product:
    item = Product()
    item.id, item.name, item.price, item.quantity = sku, name, price, quantity
    return item


def main() -> None:
    batch = Batch()
    batch.environment = "development"
    batch.source_request_id = "py-sdk-0001"
    identities = UserIdentities()
    identities.customerid, identities.email = "cust-py-42", "py@example.com"
    batch.user_identities = identities
    batch.mpid = 8714294061231950000
    device = DeviceInformation()
    device.platform, device.ios_idfv = "iOS", "8c61383f-2216-4713-8c1c-1cb0a5d7a4cc"
    batch.device_info = device
    batch.user_attributes = {"$firstname": "Ada", "plan": "pro", "visits": 12, "ID": "internal-7"}

    start = SessionStartEvent()
    start.session_id, start.timestamp_unixtime_ms = SESSION, T0
    song = AppEvent("Played Song", "navigation", custom_attributes={"genre": "jazz", "liked": True, "rating": 4.5})
    song.timestamp_unixtime_ms, song.session_id = T0 + 1000, SESSION
    screen = ScreenViewEvent()
    screen.screen_name, screen.custom_attributes = "Library", {"tab": "albums"}
    screen.timestamp_unixtime_ms, screen.session_id = T0 + 2000, SESSION
    headphones = product("sku-1", "Headphones", decimal.Decimal("79.99"), 1)
    headphones.custom_attributes = {"color": "black"}
    action = ProductAction("purchase")
    action.transaction_id, action.total_amount = "tx-1", 98.99
    action.products = [headphones, product("sku-2", "Cable", 9.5, 2)]
    purchase = CommerceEvent(action)
    purchase.timestamp_unixtime_ms, purchase.session_id = T0 + 3000, SESSION
    purchase.custom_attributes = {"coupon": "SPRING"}
    promotion = Promotion()
    promotion.id, promotion.name, promotion.creative, promotion.position = "promo-1", "Spring", "banner", "top"
    promo_click = CommerceEvent(promotion_action=PromotionAction("click", [promotion]))
    promo_click.timestamp_unixtime_ms = T0 + 4000
    impressions = CommerceEvent(product_impressions=[ProductImpression("search results", [product("sku-2", "Cable", 9.5, 2)])])
    impressions.timestamp_unixtime_ms = T0 + 5000
    crash = CrashReportEvent()  # the SDK files this under event_type commerce_event
    crash.message, crash.timestamp_unixtime_ms = "boom", T0 + 6000
    end = SessionEndEvent()
    end.session_id, end.session_duration_ms, end.timestamp_unixtime_ms = SESSION, 9000, T0 + 9000
    batch.events = [start, song, screen, purchase, promo_click, impressions, crash, end]
    print(json.dumps(ApiClient.sanitize_for_serialization(batch), indent=2))


if __name__ == "__main__":
    main()
