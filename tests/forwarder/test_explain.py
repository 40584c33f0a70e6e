"""The mapping explains itself (`map_batch(..., explain=True)`): per mParticle event, what became of
each field and which MAPPING.md section decided it. The pipeline view shows exactly this, so it
must account for every Heap field the mapping wrote, and change nothing it sends."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forwarder import BatchRejected, Settings, map_batch, sections
from forwarder.front import demo
from forwarder.model import ADDED, CONVERTED, CUT, DROPPED, KEPT, RENAMED, MappingResult
from tests.conftest import examples
from tests.forwarder.conftest import SAMPLE_NAMES, make_batch, sample
from tests.forwarder.strategies import HOSTILE_BATCHES, VALID_ISH_BATCHES

SETTINGS = Settings(app_id="11", external_id="customer_id", forward_user_attributes=True)
EVERY_SETTING = st.builds(
    Settings, app_id=st.just("11"), external_id=st.sampled_from(["mpid", "customer_id"]),
    forward_user_attributes=st.booleans(), forward_web_requests_server_side=st.booleans(),
)  # fmt: skip


def changes_of(result: MappingResult, index: int | None) -> dict[str, Any]:
    """The notes of one event by source: (change, target, section, note)."""
    (explained,) = [event for event in result.explanations if event.index == index]
    return {change.source: (change.change, change.target, change.section, change.note) for change in explained.changes}


def test_each_kind_of_change_is_reported_with_its_section() -> None:
    attributes = {"plan": "pro", "opted_in": True, "tags": ["a", "b"], "bio": "x" * 1500, "middle_name": None, "event_type": "mine"}
    event = {"event_type": "custom_event", "data": {"event_name": "Signed Up", "custom_attributes": attributes,
                                                     "custom_flags": {"partner": 1}, "timestamp_unixtime_ms": 1767225600000}}  # fmt: skip
    result = map_batch(make_batch(event, user_attributes={"ID": "u-1", "tier": 3}), SETTINGS, explain=True)
    notes = changes_of(result, 0)
    assert notes["custom_attributes.plan"][:3] == (KEPT, "properties.plan", sections.CUSTOM_ATTRIBUTES)
    assert notes["custom_attributes.opted_in"] == (CONVERTED, "properties.opted_in", sections.VALUE_RULE, 'boolean true became the string "true"')
    assert notes["custom_attributes.tags"] == (CONVERTED, "properties.tags", sections.VALUE_RULE, 'list of 2 item(s) joined with "||"')
    assert notes["custom_attributes.bio"] == (CUT, "properties.bio", sections.CUT, "value cut from 1500 to 1023 characters")
    assert notes["custom_attributes.middle_name"] == (DROPPED, None, sections.VALUE_RULE, "null: the property is left out")
    # The mapping's own event_type wins over the custom attribute of that name (4.1).
    assert notes["custom_attributes.event_type"][:3] == (DROPPED, None, sections.CUSTOM_ATTRIBUTES)
    assert notes["custom_event_type"][:3] == (ADDED, "properties.event_type", sections.CUSTOM_EVENT_TYPE)
    assert notes["event_name"][:3] == (RENAMED, "event", sections.CUSTOM_EVENT_NAME)
    assert notes["timestamp_unixtime_ms"] == (CONVERTED, "timestamp", sections.TIMESTAMP, "1767225600000 ms since 1970 became 2026-01-01T00:00:00.000Z")
    assert notes["custom_flags"][:3] == (DROPPED, None, sections.FIELDS_LEFT_OUT)
    assert notes["(batch) user_identities.customer_id"][:3] == (RENAMED, "identity", sections.IDENTITY)
    users = changes_of(result, None)
    assert users["user_attributes.ID"][:3] == (RENAMED, "properties.mparticle_ID", sections.RESERVED_USER_PROPERTY)
    assert users["user_attributes.tier"][:2] == (KEPT, "properties.tier")


def test_commerce_fields_are_reported_against_the_heap_event_they_went_to() -> None:
    products = [{"id": "A", "price": "9.50", "quantity": 1}, "junk", {"id": "B", "name": "Mug"}]
    data = {"product_action": {"action": 7, "products": products}, "currency_code": "EUR", "event_name": "eCommerce - Purchase"}
    result = map_batch(make_batch({"event_type": "commerce_event", "data": data}), SETTINGS, explain=True)
    (explained,) = [event for event in result.explanations if event.index == 0]
    by_place = {(change.heap_event, change.source): change for change in explained.changes}
    assert by_place[0, "product_action.action"].note == "7 became \"purchase\""
    assert by_place[1, "product_action.products[0].price"].change == CONVERTED
    assert by_place[1, "product_action.products[0].price"].section == sections.PRODUCT_ITEM
    assert "decimal string '9.50' became the number 9.5" in by_place[1, "product_action.products[0].price"].note
    assert by_place[2, "product_action.products[2].name"].target == "properties.product_name"  # its place in the list sent
    assert by_place[None, "event_name"].section == sections.COMMERCE_NAMES


@pytest.mark.parametrize(
    ("batch", "settings", "section", "setting"),
    [
        ({"mpid": None, "events": [{"event_type": "custom_event", "data": {"event_name": "x"}}]}, Settings("11"), sections.IDENTITY, "external_id"),
        ({"mpid": 1, "device_info": {"platform": "web"}, "events": [{"event_type": "custom_event", "data": {"event_name": "x"}}]},
         Settings("11", forward_web_requests_server_side=False), sections.WEB_SERVER_SIDE, "forward_web_requests_server_side"),
        ({"mpid": 1, "events": [{"event_type": "opt_out", "data": {}}]}, Settings("11"), sections.EVENT_TYPES, None),
        ({"mpid": 1, "events": [{"event_type": "commerce_event", "data": {}}]}, Settings("11"), sections.COMMERCE_EMPTY, None),
    ],
)
def test_a_skipped_event_names_its_section_and_the_setting_that_decided_it(
    batch: dict[str, Any], settings: Settings, section: str, setting: str | None
) -> None:
    (explained,) = map_batch(batch, settings, explain=True).explanations
    assert explained.skipped is not None and (explained.skipped.section, explained.skipped.setting) == (section, setting)
    assert explained.changes == ()


def test_user_attributes_not_forwarded_say_which_setting_keeps_them_back() -> None:
    result = map_batch(make_batch(user_attributes={"plan": "pro"}), Settings("11"), explain=True)
    (explained,) = result.explanations
    assert explained.index is None and explained.skipped is not None
    assert (explained.skipped.section, explained.skipped.setting) == (sections.USER_ATTRIBUTES, "forward_user_attributes")
    assert result.skipped == ()  # not counted as a skip: the setting says never to send them
    assert result.withheld == (explained.skipped,)  # but kept back, with the reason, explaining or not
    assert map_batch(make_batch(user_attributes={"plan": "pro"}), Settings("11")).withheld == result.withheld


def assert_accounts_for_every_field(result: MappingResult) -> None:
    """Every Heap property and field the mapping wrote has exactly one note that is not a drop,
    and every note's target is a field that was written: the explanation is complete and true."""
    cited = {change.section for event in result.explanations for change in event.changes}
    cited |= {event.skipped.section for event in result.explanations if event.skipped is not None}
    assert cited <= set(sections.TITLES)
    for explained in result.explanations:
        if explained.skipped is not None:
            continue
        heap_events = [
            event for request in result.requests if request.event_index == explained.index
            for event in (request.body.get("events", [request.body]) if explained.index is not None else [request.body])
        ]
        for position, heap_event in enumerate(heap_events):
            notes = [c for c in explained.changes if c.target is not None and c.heap_event in (position, None)]
            targets = [c.target for c in notes]
            assert len(targets) == len(set(targets)), f"two notes write one field: {targets}"
            written = {f"properties.{name}" for name in heap_event.get("properties", {})}
            written |= {name for name in ("event", "identity", "timestamp", "session_id", "idempotency_key") if name in heap_event}
            if explained.index is None:
                written -= {"identity"}
            assert set(targets) == written, (position, sorted(set(targets) ^ written))


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_the_explanation_accounts_for_every_field_of_the_samples(name: str) -> None:
    for setting in (SETTINGS, Settings("11")):
        try:
            result = map_batch(sample(name), setting, explain=True)
        except BatchRejected:
            continue
        assert result.requests == map_batch(sample(name), setting).requests
        assert_accounts_for_every_field(result)


def test_the_explanation_accounts_for_every_field_of_the_demo() -> None:
    for batch in demo.load_batches():
        assert_accounts_for_every_field(map_batch(batch, demo.DEMO_SETTINGS, explain=True))


@pytest.mark.generated
@settings(max_examples=examples(60), deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=VALID_ISH_BATCHES | HOSTILE_BATCHES, setting=EVERY_SETTING)
def test_explaining_changes_nothing_sent_and_accounts_for_every_field(batch: Any, setting: Settings) -> None:
    try:
        plain = map_batch(batch, setting)
    except BatchRejected:
        return
    explained = map_batch(batch, setting, explain=True)
    assert (explained.requests, explained.skipped) == (plain.requests, plain.skipped)
    assert {event.index for event in explained.explanations} >= {skip.index for skip in plain.skipped}
    assert_accounts_for_every_field(explained)
