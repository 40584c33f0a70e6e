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
    FIXTURES_DIR,
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
