"""The public sample batches (and one from mParticle's Python SDK) through the mapping.

Each expectation is written out by hand from the seed's rules, and every request the mapping makes
must also pass the simulator's own payload validators, so a body Heap would refuse cannot slip by.
"""

from __future__ import annotations

from typing import Any

import pytest

from forwarder import HeapRequest, Settings, map_batch
from heap_facts import paths
from heap_mock.endpoints.track import validate_track
from heap_mock.endpoints.user_properties import validate_user_properties
from tests.forwarder.conftest import SAMPLE_NAMES, sample

BY_CUSTOMER_ID = Settings(app_id="11", external_id="customer_id", forward_user_attributes=True)
BY_MPID = Settings(app_id="11", external_id="mpid", forward_user_attributes=True)


def outline(requests: tuple[HeapRequest, ...]) -> list[Any]:
    """Each request as its event name, a list of names for bulk, or `user_properties`."""
    shapes: list[Any] = []
    for request in requests:
        if request.kind == "user_properties":
            shapes.append("user_properties")
        elif request.kind == "bulk_track":
            shapes.append([event["event"] for event in request.body["events"]])
        else:
            shapes.append(request.body["event"])
    return shapes


# The samples that carry no identity of the kind a setting asks for: every event of theirs is skipped,
# so nothing of theirs reaches a validator under that setting.
WITHOUT_THAT_IDENTITY = {
    ("01_docs_quickstart_custom_event.json", "mpid"),
    ("02_docs_segment_migration_custom_plus_commerce.json", "mpid"),
    ("03_docs_segment_migration_screen_view.json", "mpid"),
    ("04_docs_jsonref_master_sample.json", "mpid"),
    ("05_docs_jsonref_validation_instance.json", "mpid"),
    ("06_revenuecat_initial_purchase_commerce.json", "customer_id"),
    ("07_web_sdk_media_session_start_batch.json", "customer_id"),
}
VALIDATORS = {
    paths.TRACK: lambda body: validate_track(body, now=0.0, max_bulk_items=1000, truncate_long=False).events,
    paths.ADD_USER_PROPERTIES: lambda body: validate_user_properties(body, max_bulk_items=1000, truncate_long=False).updates,
}


@pytest.mark.parametrize("name", SAMPLE_NAMES)
@pytest.mark.parametrize("settings", [BY_CUSTOMER_ID, BY_MPID], ids=["customer_id", "mpid"])
def test_every_request_passes_the_simulators_validators(name: str, settings: Settings) -> None:
    result = map_batch(sample(name), settings)
    if (name, settings.external_id) in WITHOUT_THAT_IDENTITY:
        assert result.requests == () and result.skipped, result
        assert all(skip.reason.startswith("missing identity") for skip in result.skipped), result.skipped
        return
    assert result.requests, f"{name} mapped to nothing by {settings.external_id}"
    accepted = {request.path: 0 for request in result.requests}
    for request in result.requests:
        accepted[request.path] += len(VALIDATORS[request.path](request.body))  # raises PayloadRejected on a body Heap would refuse
    assert accepted.get(paths.TRACK, 0) == result.heap_events  # every Heap event the forwarder counts reached the validator


def test_01_quickstart_custom_event() -> None:
    result = map_batch(sample("01_docs_quickstart_custom_event.json"), BY_CUSTOMER_ID)
    assert outline(result.requests) == ["click"]
    body = result.requests[0].body
    assert body["identity"] == "1234" and "timestamp" not in body
    assert body["properties"] == {"button_name": "home", "other_attribute": "xyz", "event_type": "other"}


def test_02_custom_plus_purchase_without_event_name() -> None:
    result = map_batch(sample("02_docs_segment_migration_custom_plus_commerce.json"), BY_CUSTOMER_ID)
    assert outline(result.requests) == ["clicked button", ["Product Action Event", "Item"]]
    main, item = result.requests[1].body["events"]
    assert main["properties"] == {"product_action": "purchase", "total_amount": 14.99}
    assert item["properties"] == {"product_name": "Leap to Conclusions Mat", "product_action": "purchase"}
    assert main["timestamp"] == item["timestamp"] == "2021-10-15T01:40:37.939Z"  # the batch's time: the events have none


def test_03_screen_view_named_by_event_name() -> None:
    result = map_batch(sample("03_docs_segment_migration_screen_view.json"), BY_CUSTOMER_ID)
    assert outline(result.requests) == ["Viewed: Example screen view"]
    assert result.requests[0].body["properties"] == {"foo": "bar", "screen_name": "Example screen view"}


def test_04_master_sample_sessions_and_user_attributes() -> None:
    result = map_batch(sample("04_docs_jsonref_master_sample.json"), BY_CUSTOMER_ID)
    assert outline(result.requests) == ["user_properties", "Session Start", "Session End"]
    assert result.requests[0].body["properties"]["a_custom_list"] == "value1||value2||valueN"
    assert result.requests[1].body["session_id"] == "DDFBEA89-9A54-41C3-97F3-334FDD3B98BC"
    assert [(skip.index, skip.event_type) for skip in result.skipped] == [(1, "application_state_transition"), (2, "crash_report")]


def test_05_no_events_only_user_attributes() -> None:
    result = map_batch(sample("05_docs_jsonref_validation_instance.json"), BY_CUSTOMER_ID)
    assert [request.body for request in result.requests] == [{"app_id": "11", "identity": "123456", "properties": {"Test attribute": "Test value"}}]


def test_06_revenuecat_purchase_by_string_mpid() -> None:
    result = map_batch(sample("06_revenuecat_initial_purchase_commerce.json"), BY_MPID)
    assert outline(result.requests) == ["user_properties", ["Product Action Event", "Item"]]
    assert result.requests[0].body["properties"]["revenuecat_aliases"] == "12abc345d67e890fgh12j3lm456n7890"
    main, item = result.requests[1].body["events"]
    assert main["identity"] == "12345678"
    assert main["properties"]["transaction_id"] == "GPA.1234-5678-9012-34567" and main["properties"]["currency_code"] == "USD"
    assert item["properties"]["product_id"] == "weekly_sub" and item["properties"]["total_product_amount"] == 5.99


def test_06_has_no_customer_id_so_it_is_skipped_by_customer_id() -> None:
    result = map_batch(sample("06_revenuecat_initial_purchase_commerce.json"), BY_CUSTOMER_ID)
    assert result.requests == () and {skip.reason for skip in result.skipped} == {
        "missing identity: external_id is customer_id and the batch has no user_identities customer_id"
    }


def test_07_web_media_event() -> None:
    result = map_batch(sample("07_web_sdk_media_session_start_batch.json"), BY_MPID)
    assert outline(result.requests) == ["Media Session Start"]
    body = result.requests[0].body
    assert body["identity"] == "264200868161219981" and body["session_id"] == "CCEBA3DA-B2AA-4C80-BE3B-A34AC03BCE68"
    assert body["properties"]["content_duration"] == 120000 and body["properties"]["event_type"] == "media"
    off = Settings(app_id="11", forward_web_requests_server_side=False)
    assert map_batch(sample("07_web_sdk_media_session_start_batch.json"), off).requests == ()


def test_08_many_event_types() -> None:
    result = map_batch(sample("08_docs_static_schema_eventsapi_sample.json"), BY_CUSTOMER_ID)
    assert outline(result.requests) == [
        "user_properties", "Session Start", "Session End", "Session Start", "Example custom event",
        "Viewed: Example screen event", ["Product Action Event", "Item"],
    ]
    assert sorted(skip.event_type for skip in result.skipped) == sorted(
        ["user_attribute_change", "user_identity_change", "application_state_transition", "application_state_transition",
         "crash_report", "breadcrumb", "push_registration", "network_performance"]
    )
    assert result.events_in == 14
    main = result.requests[-1].body["events"][0]
    assert main["properties"]["Transaction Id"] == "foo transaction id" and main["properties"]["product_ids"] == "Product SKU"
    assert main["session_id"] == "-2271448330363288817"


def test_python_sdk_batch_as_it_serialises() -> None:
    result = map_batch(sample("python_sdk_0_16_1_batch.json"), BY_CUSTOMER_ID)
    assert outline(result.requests) == [
        "user_properties", "Session Start", "Played Song", "Viewed: Library",
        ["Product Action Event", "Item", "Item"], ["Promotion Event", "Item"], ["Impression Event", "Item"], "Session End",
    ]
    assert result.requests[0].body["identity"] == "cust-py-42"  # from the SDK's `customerid` spelling
    assert result.requests[0].body["properties"] == {"$firstname": "Ada", "plan": "pro", "visits": 12, "mparticle_ID": "internal-7"}
    assert result.requests[2].body["properties"] == {"genre": "jazz", "liked": "true", "rating": 4.5, "event_type": "navigation"}
    assert result.requests[4].body["events"][1]["properties"]["product_price"] == 79.99  # Decimal("79.99") sent as "79.99"
    assert [(skip.index, skip.event_type) for skip in result.skipped] == [(6, "commerce_event")]  # a crash report, filed as commerce
    assert map_batch(sample("python_sdk_0_16_1_batch.json"), BY_MPID).requests[0].body["identity"] == "8714294061231950000"


def test_mapping_is_deterministic() -> None:
    for name in SAMPLE_NAMES:
        assert map_batch(sample(name), BY_CUSTOMER_ID) == map_batch(sample(name), BY_CUSTOMER_ID)
