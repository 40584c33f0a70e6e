"""Every mapping rule of the forwarder's issue, on small realistic batches."""

from __future__ import annotations

from typing import Any

import pytest

from forwarder import BatchRejected, HeapRequest, Settings, map_batch
from forwarder.mapping import batch_key
from tests.forwarder.conftest import APP_ID, custom, make_batch


def single_events(requests: tuple[HeapRequest, ...]) -> list[dict[str, Any]]:
    return [request.body for request in requests if request.kind == "track"]


# --- custom events ------------------------------------------------------------------------------
def test_custom_event_is_one_track_with_attributes_and_event_type(settings: Settings) -> None:
    result = map_batch(make_batch(custom("Played Song", custom_attributes={"genre": "jazz", "plays": 3})), settings)
    assert [request.path for request in result.requests] == ["/api/track"]
    body = result.requests[0].body
    assert body["app_id"] == APP_ID and body["event"] == "Played Song" and body["identity"] == "cust-1"
    assert body["properties"] == {"genre": "jazz", "plays": 3, "event_type": "navigation"}


def test_custom_event_type_defaults_to_other_and_wins_over_an_attribute_of_that_name(settings: Settings) -> None:
    event = {"event_type": "custom_event", "data": {"event_name": "E", "custom_attributes": {"event_type": "mine"}}}
    assert map_batch(make_batch(event), settings).requests[0].body["properties"] == {"event_type": "other"}


def test_each_custom_event_is_its_own_request_in_order(settings: Settings) -> None:
    result = map_batch(make_batch(custom("A"), custom("B"), custom("C")), settings)
    assert [body["event"] for body in single_events(result.requests)] == ["A", "B", "C"]


def test_custom_event_without_a_name_is_skipped(settings: Settings) -> None:
    result = map_batch(make_batch({"event_type": "custom_event", "data": {"custom_event_type": "other"}}), settings)
    assert result.requests == ()
    assert result.skipped[0].index == 0 and "event_name" in result.skipped[0].reason


# --- screen views and sessions ------------------------------------------------------------------
def test_screen_view_is_viewed_screen_name_with_screen_name_property(settings: Settings) -> None:
    event = {"event_type": "screen_view", "data": {"screen_name": "Library", "custom_attributes": {"tab": "albums"}}}
    body = map_batch(make_batch(event), settings).requests[0].body
    assert body["event"] == "Viewed: Library"
    assert body["properties"] == {"tab": "albums", "screen_name": "Library"}


def test_screen_view_falls_back_to_event_name(settings: Settings) -> None:
    event = {"event_type": "screen_view", "data": {"event_name": "Home", "screen_name": None}}
    assert map_batch(make_batch(event), settings).requests[0].body["event"] == "Viewed: Home"


def test_screen_view_without_any_name_is_skipped(settings: Settings) -> None:
    result = map_batch(make_batch({"event_type": "screen_view", "data": {}}), settings)
    assert result.requests == () and "screen_name" in result.skipped[0].reason


def test_session_start_and_end_names(settings: Settings) -> None:
    start = {"event_type": "session_start", "data": {"session_id": 5}}
    end = {"event_type": "session_end", "data": {"session_id": 5, "session_duration_ms": 9000, "custom_attributes": {"k": "v"}}}
    bodies = single_events(map_batch(make_batch(start, end), settings).requests)
    assert [body["event"] for body in bodies] == ["Session Start", "Session End"]
    assert "properties" not in bodies[0]
    assert bodies[1]["properties"] == {"k": "v", "session_duration_ms": 9000}


# --- fields every event carries -----------------------------------------------------------------
def test_identity_follows_external_id() -> None:
    batch = make_batch(custom())
    assert map_batch(batch, Settings(app_id="11")).requests[0].body["identity"] == "42"
    assert map_batch(batch, Settings(app_id="11", external_id="customer_id")).requests[0].body["identity"] == "cust-1"


@pytest.mark.parametrize(
    "identities",
    [{"customerid": "cust-9"}, [{"identity_type": "email", "identity": "a@b"}, {"identity_type": "customer_id", "identity": "cust-9"}], {"customer_id": "cust-9", "customerid": "other"}],
)
def test_customer_id_from_every_form_of_user_identities(identities: Any, settings: Settings) -> None:
    assert map_batch(make_batch(custom(), user_identities=identities), settings).requests[0].body["identity"] == "cust-9"


@pytest.mark.parametrize("mpid", ["264200868161219981", 264200868161219981])
def test_mpid_beyond_2_53_keeps_every_digit(mpid: Any) -> None:
    body = map_batch(make_batch(custom(), mpid=mpid), Settings(app_id="11")).requests[0].body
    assert body["identity"] == "264200868161219981"


def test_timestamp_from_event_else_batch_else_omitted(settings: Settings) -> None:
    events = [custom("A", timestamp_unixtime_ms=1634262037939), custom("B", timestamp_unixtime_ms="1573828863888"), custom("C")]
    with_batch_time = single_events(map_batch(make_batch(*events, timestamp_unixtime_ms=1700000000000), settings).requests)
    assert [body.get("timestamp") for body in with_batch_time] == ["2021-10-15T01:40:37.939Z", "2019-11-15T14:41:03.888Z", "2023-11-14T22:13:20.000Z"]
    without = single_events(map_batch(make_batch(custom("C")), settings).requests)
    assert "timestamp" not in without[0]


def test_session_id_is_text_from_session_id_or_uuid(settings: Settings) -> None:
    events = [custom("A", session_id=-2271448330363288817), custom("B", session_uuid="CCEBA3DA"), custom("C")]
    bodies = single_events(map_batch(make_batch(*events), settings).requests)
    assert [body.get("session_id") for body in bodies] == ["-2271448330363288817", "CCEBA3DA", None]


def test_idempotency_keys_are_unique_and_stable_across_runs(settings: Settings) -> None:
    batch = make_batch(custom("A"), custom("A"), commerce_purchase(3))
    first, again = map_batch(batch, settings), map_batch(make_batch(custom("A"), custom("A"), commerce_purchase(3)), settings)
    keys = [event["idempotency_key"] for event in all_heap_events(first.requests)]
    assert len(keys) == len(set(keys)) == 6
    assert keys == [event["idempotency_key"] for event in all_heap_events(again.requests)]


def test_idempotency_keys_differ_between_batches(settings: Settings) -> None:
    one = map_batch(make_batch(custom("A"), source_request_id="r1"), settings).requests[0].body["idempotency_key"]
    two = map_batch(make_batch(custom("A"), source_request_id="r2"), settings).requests[0].body["idempotency_key"]
    assert one != two


def test_batch_identity_is_source_request_id_else_the_content() -> None:
    assert batch_key({"source_request_id": "abc", "x": 1}) == batch_key({"source_request_id": "abc", "x": 2})
    assert batch_key({"events": [], "mpid": 1}) == batch_key({"mpid": 1, "events": []})
    assert batch_key({"mpid": 1}) != batch_key({"mpid": 2})
    assert batch_key({"mpid": 2**70}).startswith("sha256:")  # beyond 64 bits, which orjson cannot write


def test_names_and_values_are_cut_to_1023_as_the_kit_does(settings: Settings) -> None:
    long = "x" * 1500
    result = map_batch(make_batch(custom(long, custom_attributes={long: long}), {"event_type": "screen_view", "data": {"screen_name": long}}), settings)
    custom_body, screen_body = single_events(result.requests)
    assert custom_body["event"] == "x" * 1023
    assert custom_body["properties"]["x" * 1023] == "x" * 1023
    assert screen_body["event"] == ("Viewed: " + long)[:1023]
    assert screen_body["properties"]["screen_name"] == "x" * 1023


def test_values_heap_does_not_take_are_converted_by_one_rule(settings: Settings) -> None:
    attributes = {"flag": True, "nothing": None, "tags": ["a", "b"], "nested": {"k": 1}, "big": 2**60, "n": 1.5}
    properties = map_batch(make_batch(custom(custom_attributes=attributes)), settings).requests[0].body["properties"]
    assert properties == {"flag": "true", "tags": "a||b", "nested": '{"k":1}', "big": str(2**60), "n": 1.5, "event_type": "navigation"}


# --- user attributes ----------------------------------------------------------------------------
def test_user_attributes_are_not_sent_when_the_setting_is_off(settings: Settings) -> None:
    result = map_batch(make_batch(custom(), user_attributes={"plan": "pro"}), settings)
    assert all(request.path == "/api/track" for request in result.requests)


def test_user_attributes_are_one_request_per_batch_before_its_events() -> None:
    settings = Settings(app_id="11", external_id="customer_id", forward_user_attributes=True)
    attributes = {"plan": "pro", "$country": "GB", "aliases": ["a1", "a2"], "ID": "7", "id": "8", "gone": None, "trial": False}
    result = map_batch(make_batch(custom(), custom(), user_attributes=attributes), settings)
    assert [request.path for request in result.requests] == ["/api/add_user_properties", "/api/track", "/api/track"]
    body = result.requests[0].body
    assert body == {
        "app_id": "11",
        "identity": "cust-1",
        "properties": {"plan": "pro", "$country": "GB", "aliases": "a1||a2", "mparticle_ID": "7", "mparticle_id": "8", "trial": "false"},
    }


@pytest.mark.parametrize("attributes", [None, {}, {"only": None}, ["not", "a", "map"]])
def test_no_user_properties_request_without_attributes(attributes: Any) -> None:
    settings = Settings(app_id="11", forward_user_attributes=True)
    assert [request.path for request in map_batch(make_batch(custom(), user_attributes=attributes), settings).requests] == ["/api/track"]


def test_a_batch_with_only_user_attributes_still_sends_them() -> None:
    settings = Settings(app_id="11", forward_user_attributes=True)
    result = map_batch({"mpid": "9", "user_attributes": {"a": "b"}}, settings)
    assert [request.path for request in result.requests] == ["/api/add_user_properties"]


# --- skips --------------------------------------------------------------------------------------
@pytest.mark.parametrize("event_type", ["crash_report", "opt_out", "application_state_transition", "push_registration", "breadcrumb", "made_up"])
def test_unsupported_event_types_are_skipped_with_the_reason(event_type: str, settings: Settings) -> None:
    result = map_batch(make_batch({"event_type": event_type, "data": {}}, custom()), settings)
    assert len(result.requests) == 1
    assert result.skipped[0].index == 0 and result.skipped[0].event_type == event_type
    assert "not forwarded" in result.skipped[0].reason


@pytest.mark.parametrize("platform", ["Android", "iOS", "tvOS", "smart_tv", "web", "ANDROID", "ios", "SmartTV", "Web"])
def test_supported_platforms_in_any_case(platform: str, settings: Settings) -> None:
    assert len(map_batch(make_batch(custom(), device_info={"platform": platform}), settings).requests) == 1


@pytest.mark.parametrize("device_info", [None, {}, {"platform": None}, {"platform": ""}])
def test_data_feeds_without_a_platform_are_forwarded(device_info: Any, settings: Settings) -> None:
    assert len(map_batch(make_batch(custom(), device_info=device_info), settings).requests) == 1


@pytest.mark.parametrize("platform", ["roku", "xbox", "fire_tv", "alexa", "out_of_band", "Unknown", "desktop"])
def test_unsupported_platforms_skip_every_event(platform: str) -> None:
    settings = Settings(app_id="11", forward_user_attributes=True)
    result = map_batch(make_batch(custom(), custom(), device_info={"platform": platform}, user_attributes={"a": "b"}), settings)
    assert result.requests == ()
    assert [skip.index for skip in result.skipped] == [0, 1, None]
    assert all(f"unsupported platform {platform!r}" in skip.reason for skip in result.skipped)


def test_web_batches_are_skipped_when_not_forwarded_server_side() -> None:
    off = Settings(app_id="11", forward_web_requests_server_side=False)
    web, ios = make_batch(custom(), device_info={"platform": "web"}), make_batch(custom(), device_info={"platform": "iOS"})
    assert map_batch(web, off).requests == () and "forward_web_requests_server_side" in map_batch(web, off).skipped[0].reason
    assert len(map_batch(ios, off).requests) == 1
    assert len(map_batch(web, Settings(app_id="11")).requests) == 1


@pytest.mark.parametrize(
    ("external_id", "fields"),
    [("mpid", {"mpid": None}), ("mpid", {"mpid": ""}), ("customer_id", {"user_identities": None}), ("customer_id", {"user_identities": {"email": "a@b"}}),
     ("customer_id", {"user_identities": [{"identity_type": "email", "identity": "a@b"}]})],
)
def test_batches_without_the_selected_identity_are_skipped(external_id: str, fields: dict[str, Any]) -> None:
    settings = Settings(app_id="11", external_id=external_id)  # type: ignore[arg-type]
    result = map_batch(make_batch(custom(), **fields), settings)
    assert result.requests == () and result.skipped[0].reason.startswith("missing identity")


def test_identity_longer_than_heap_allows_is_skipped(settings: Settings) -> None:
    result = map_batch(make_batch(custom(), user_identities={"customer_id": "c" * 256}), settings)
    assert result.requests == () and "255" in result.skipped[0].reason


# --- structurally broken batches ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("batch", "path"),
    [
        ([], "$"),
        ("text", "$"),
        ({"events": {"event_type": "custom_event"}}, "$.events"),
        ({"events": [custom(), 3]}, "$.events[1]"),
        ({"events": [custom(), {"data": {}}]}, "$.events[1].event_type"),
        ({"events": [{"event_type": "", "data": {}}]}, "$.events[0].event_type"),
        ({"events": [{"event_type": "custom_event"}]}, "$.events[0].data"),
        ({"events": [{"event_type": "custom_event", "data": None}]}, "$.events[0].data"),
        ({"events": [{"event_type": "custom_event", "data": ["x"]}]}, "$.events[0].data"),
    ],
)
def test_broken_batches_are_rejected_naming_the_json_path(batch: Any, path: str, settings: Settings) -> None:
    with pytest.raises(BatchRejected) as caught:
        map_batch(batch, settings)
    assert caught.value.path == path
    assert str(caught.value).startswith(f"{path}: ")


def test_a_broken_event_rejects_the_whole_batch_before_anything_is_mapped(settings: Settings) -> None:
    with pytest.raises(BatchRejected):
        map_batch(make_batch(custom("fine"), {"event_type": "custom_event"}), settings)


@pytest.mark.parametrize("events", [None, []])
def test_null_or_empty_events_are_a_batch_with_no_events(events: Any, settings: Settings) -> None:
    result = map_batch(make_batch(events=events), settings)
    assert result.requests == () and result.events_in == 0


def test_nulls_where_objects_are_expected_are_tolerated(settings: Settings) -> None:
    event = custom("A", custom_attributes=None, location=None, custom_flags=None)
    result = map_batch(make_batch(event, user_identities={"customer_id": "c"}, consent_state=None, application_info=None), settings)
    assert result.requests[0].body["properties"] == {"event_type": "navigation"}


# --- helpers for commerce -----------------------------------------------------------------------
def commerce_purchase(products: int) -> dict[str, Any]:
    items = [{"id": f"sku-{n}", "name": f"Product {n}", "price": 10.0 + n, "quantity": 1} for n in range(products)]
    return {"event_type": "commerce_event", "data": {"product_action": {"action": "purchase", "products": items}}}


def all_heap_events(requests: tuple[HeapRequest, ...]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for request in requests:
        if request.kind == "bulk_track":
            events += request.body["events"]
        elif request.kind == "track":
            events.append(request.body)
    return events
