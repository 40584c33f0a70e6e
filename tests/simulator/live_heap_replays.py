"""Requests public clients sent to the live Heap server, and what it answered, rebuilt as data.

Each body is what the client's own code builds from its own test inputs (sources named with each);
`live_status` is the answer its test required from heapanalytics.com to pass. Under the `observed`
fidelity the simulator must give the same answer; under `documented` it refuses each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LiveReplay:
    name: str
    path: str
    body: dict[str, Any]
    live_status: int
    refused_by: str  # the rule a `documented` simulator names
    source: str


# Airbyte's destination-heap-analytics builds `{"app_id": ..., **parse_*_json(flatten_json(record))}`
# (destination_heap_analytics/client.py, utils.py) and test_write counts a record as loaded only after
# requests' raise_for_status(), so "Total loaded: 1" means live Heap answered 2xx to each of these.
AIRBYTE = "airbytehq/airbyte airbyte-integrations/connectors/destination-heap-analytics/integration_tests/integration_test.py"
AIRBYTE_TRACK = LiveReplay(
    "airbyte-track-booleans",
    "/api/track",
    {
        "app_id": "11",
        "identity": "beryl_becker95@yahoo.com",
        "event": "Username-Password-Authentication",
        "timestamp": "2022-10-21T04:08:58.994Z",
        # sample_files/config-events.json: property_columns "blocked,created_at,updated_at,name"
        "properties": {"blocked": False, "created_at": "2022-10-21T04:08:58.994Z", "updated_at": "2022-10-21T04:08:58.994Z", "name": "Hope Rodriguez"},
    },
    200,
    "properties.boolean",
    AIRBYTE + " with sample_files/config-events.json",
)
AIRBYTE_ACCOUNT = LiveReplay(
    "airbyte-account-booleans",
    "/api/add_account_properties",
    {
        "app_id": "11",
        "account_id": "4ce74b28-bc00-4bbf-8a01-712dae975291",  # account_id_column "identities.user_id", flattened
        # sample_files/config-aap.json: property_columns "family_name,email_verified,blocked"
        "properties": {"family_name": "Blanda", "email_verified": False, "blocked": False},
    },
    200,
    "properties.boolean",
    AIRBYTE + " with sample_files/config-aap.json",
)
# segment-boneyard/integration-heap test/index.js: `.identify()` "should return success" sends the
# fixture's output to https://heapanalytics.com/api/add_user_properties and expects(200).
SEGMENT_IDENTIFY = LiveReplay(
    "segment-identify-id",
    "/api/add_user_properties",
    {"app_id": "1535634150", "identity": "user-id", "properties": {"property": "value", "id": "user-id"}},
    200,
    "user_properties.reserved_id",
    "segment-boneyard/integration-heap test/index.js with test/fixtures/identify.json",
)
# Not a live answer: mParticle truncates values to 1024 characters (the seed page), so its
# integration sends exactly 1024; Heap's track docs ask for fewer. Accepted under `observed`.
VALUE_OF_1024 = LiveReplay(
    "value-of-1024-characters",
    "/api/track",
    {"app_id": "11", "identity": "alice", "event": "Viewed", "properties": {"description": "d" * 1024}},
    200,
    "properties.value_length",
    "the seed page: mParticle truncates attribute values to 1024 characters",
)
REPLAYS = (AIRBYTE_TRACK, AIRBYTE_ACCOUNT, SEGMENT_IDENTIFY, VALUE_OF_1024)
