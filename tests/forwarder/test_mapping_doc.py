"""MAPPING.md cannot drift from the code: every name the mapping invents must be written there."""

from __future__ import annotations

from pathlib import Path

import pytest

from forwarder import Settings, commerce, map_batch, mapping
from tests.forwarder.conftest import sample

MAPPING_MD = (Path(__file__).parents[2] / "MAPPING.md").read_text()

INVENTED_NAMES = [
    mapping.SESSION_START_EVENT,
    mapping.SESSION_END_EVENT,
    mapping.SCREEN_VIEW_PREFIX.strip(),
    mapping.DEFAULT_CUSTOM_EVENT_TYPE,
    commerce.PRODUCT_ACTION_EVENT,
    commerce.PROMOTION_EVENT,
    commerce.IMPRESSION_EVENT,
    commerce.ITEM_EVENT,
    *(name for _, name in commerce.PRODUCT_FIELDS),
    *commerce.ACTION_FIELDS,
    *(name for _, name in commerce.PROMOTION_FIELDS),
    "product_ids",
    "promotion_ids",
    "product_impression_lists",
    "product_impression_list",
    "session_duration_ms",
    "mparticle_",
]


@pytest.mark.parametrize("name", INVENTED_NAMES)
def test_every_invented_name_is_documented(name: str) -> None:
    assert f"`{name}" in MAPPING_MD, f"{name!r} is used by the mapping but not written in MAPPING.md"


def test_every_property_the_mapping_adds_to_the_python_sdk_batch_is_documented() -> None:
    batch = sample("python_sdk_0_16_1_batch.json")
    custom_attribute_names = {"coupon", "color", "genre", "liked", "rating", "tab"}
    for request in map_batch(batch, Settings(app_id="11", external_id="customer_id")).requests:
        for event in request.body.get("events", [request.body]):
            for name in set(event.get("properties", {})) - custom_attribute_names:
                assert f"`{name}`" in MAPPING_MD, f"property {name!r} of {event['event']!r} is not in MAPPING.md"
