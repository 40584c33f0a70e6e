"""The fixtures are data with a schema: every file validates, names only known rules, and together
they exercise every rule in the catalogue."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]
import pytest

from conformance.checks import CHECKS
from conformance.fixtures import (
    FixtureError,
    expand,
    fixture_paths,
    fixture_schema,
    load_fixture,
    load_fixtures,
    schema_errors,
)
from conformance.golden import GOLDEN_DIR
from conformance.oracle import read_batches
from conformance.rules import RULES

PATHS = fixture_paths()


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(fixture_schema())


@pytest.mark.parametrize("path", PATHS, ids=[path.stem for path in PATHS])
def test_every_fixture_file_matches_the_schema(path: Path) -> None:
    assert schema_errors(json.loads(path.read_text()), fixture_schema()) == []


@pytest.mark.parametrize("path", PATHS, ids=[path.stem for path in PATHS])
def test_every_fixture_names_known_rules_and_gives_each_event_its_own_timestamp(path: Path) -> None:
    """Checks find a source event's Heap events by its timestamp, so two events may not share one."""
    fixture = load_fixture(path)
    assert set(fixture.rules) <= set(RULES), set(fixture.rules) - set(RULES)
    stamps = Counter(source.attribution_ms for batch in read_batches(fixture.batches, fixture.settings) for source in batch.events)
    assert [stamp for stamp, count in stamps.items() if count > 1] == []


def test_every_rule_has_a_check_and_is_exercised_by_some_fixture() -> None:
    assert set(CHECKS) == set(RULES)
    exercised = {rule for fixture in load_fixtures() for rule in fixture.rules}
    assert set(RULES) - exercised == set()


def test_golden_files_and_fixtures_correspond() -> None:
    golden = {path.stem for path in GOLDEN_DIR.glob("*.json")}
    assert golden == {fixture.id for fixture in load_fixtures() if fixture.golden}


def test_the_fixtures_cover_every_event_type_both_identity_forms_and_the_edge_cases() -> None:
    fixtures = load_fixtures()
    event_types = {event["event_type"] for fixture in fixtures for batch in fixture.batches for event in batch["events"]}
    assert {"custom_event", "screen_view", "commerce_event", "session_start", "session_end", "crash_report", "opt_out"} <= event_types
    identity_forms = {type(batch.get("user_identities")).__name__ for fixture in fixtures for batch in fixture.batches}
    assert {"dict", "list"} <= identity_forms
    assert {fixture.settings.external_id for fixture in fixtures} == {"mpid", "customer_id"}
    longest = max(len(str(value)) for fixture in fixtures for batch in fixture.batches for event in batch["events"] for value in (event["data"].get("custom_attributes") or {}).values())
    assert longest > 1024


def test_repeat_expands_with_the_copy_number_and_steps() -> None:
    template = [{"$repeat": 3, "item": {"id": "P{n}", "data": {"at": 100, "list": [0]}}, "step": {"data.at": 10, "data.list.0": 1}}]
    assert expand(template) == [
        {"id": "P0", "data": {"at": 100, "list": [0]}},
        {"id": "P1", "data": {"at": 110, "list": [1]}},
        {"id": "P2", "data": {"at": 120, "list": [2]}},
    ]


def test_a_fixture_that_breaks_the_schema_is_refused_naming_the_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"description": "a fixture with a bad setting", "settings": {"app_id": "x1"}, "rules": ["MAP-SESSION"], "batches": [{"events": []}]}))
    with pytest.raises(FixtureError, match=r"\$\.settings\.app_id"):
        load_fixture(bad, fixture_schema())


# --- the batches checked as mParticle input, before anything runs ---------------------------------


def fixture_document(*events: dict[str, object], **batch: object) -> dict[str, object]:
    return {
        "description": "a fixture written for this test",
        "settings": {"app_id": "1234567890", "external_id": "customer_id"},
        "rules": ["MAP-CUSTOM-EVENT"],
        "batches": [{"user_identities": {"customer_id": "c-1"}, **batch, "events": list(events)}],
    }


def custom_event(name: str, at: int | None) -> dict[str, object]:
    data: dict[str, object] = {"event_name": name, "custom_event_type": "other"}
    if at is not None:
        data["timestamp_unixtime_ms"] = at
    return {"event_type": "custom_event", "data": data}


def load_document(tmp_path: Path, document: dict[str, object]) -> object:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(document))
    return load_fixture(path, fixture_schema())


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            fixture_document(custom_event("A", 1), user_identities={"customerid": "c-1"}),
            r"mine\.json: its batches are not usable mParticle input:\n  \$\.batches\[0\]\.user_identities\.customerid: is not a field the schema allows here "
            r"\(mParticle's Events API schema; if a real client sends this, declare it in \$\.unusual_inputs with its provenance\)",
        ),
        (
            fixture_document(custom_event("A", 1), {"event_type": "commerce", "data": {"timestamp_unixtime_ms": 2}}),
            r"\$\.batches\[0\]\.events\[1\]\.event_type: 'commerce' is not an mParticle event type \(one of: session_start, session_end, screen_view, custom_event, .*commerce_event",
        ),
        (fixture_document(custom_event("A", 5), custom_event("B", 5)), r"\$\.batches\[0\]\.events\[1\]\.data\.timestamp_unixtime_ms: 5 is also the timestamp of \$\.batches\[0\]\.events\[0\]"),
        (fixture_document(custom_event("A", None)), r"\$\.batches\[0\]\.events\[0\]\.data\.timestamp_unixtime_ms: missing, and its batch has none either"),
        (
            fixture_document({"$repeat": 2, "item": custom_event("A", 7)}),
            r"\$\.batches\[0\]\.events\[0\] \(event copy 1 of its \$repeat\)\.data\.timestamp_unixtime_ms: 7 is also the timestamp of \$\.batches\[0\]\.events\[0\] \(event copy 0",
        ),
        (
            {**fixture_document(custom_event("A", 1)), "settings": {"app_id": "1234567890", "forward_user_attribute": True}},
            r"\$\.settings: Additional properties are not allowed \('forward_user_attribute' was unexpected\); "
            r"allowed: app_id, external_id, forward_user_attributes, forward_web_requests_server_side",
        ),
    ],
    ids=["undeclared-customerid", "unknown-event-type", "shared-timestamp", "no-timestamp", "repeated-timestamp", "unknown-setting"],
)
def test_a_fixture_that_is_not_usable_mparticle_input_is_refused_naming_the_path(tmp_path: Path, document: dict[str, object], message: str) -> None:
    with pytest.raises(FixtureError, match=message):
        load_document(tmp_path, document)


def test_an_unusual_input_declared_with_its_provenance_is_kept_for_the_reports(tmp_path: Path) -> None:
    document = fixture_document(custom_event("A", 1), user_identities={"customerid": "c-1"})
    document["unusual_inputs"] = [{"path": "$.batches[*].user_identities.customerid", "provenance": "the key mParticle's Python SDK sends"}]
    fixture = load_document(tmp_path, document)
    [unusual] = fixture.unusual  # type: ignore[attr-defined]
    assert (unusual.path, unusual.provenance) == ("$.batches[0].user_identities.customerid", "the key mParticle's Python SDK sends")
    assert unusual.within(0, None) and unusual.within(0, 0) and not unusual.within(1, None)


def test_every_bundled_fixture_declares_exactly_where_it_leaves_the_events_api_schema() -> None:
    """Each declaration covers something: a stale one would lend its provenance to inputs that need none."""
    for fixture in load_fixtures():
        document = json.loads(fixture.path.read_text())
        declared = {entry["path"] for entry in document.get("unusual_inputs", [])}
        covering = {entry["path"] for entry in document.get("unusual_inputs", []) if any(_covers(entry["path"], found.path) for found in fixture.unusual)}
        assert declared == covering, (fixture.id, declared - covering)


def _covers(declared: str, path: str) -> bool:
    from conformance.inputs import Declared

    return Declared([{"path": declared, "provenance": "x" * 10}]).provenance(path) is not None
