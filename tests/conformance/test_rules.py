"""The rule catalogue: unique IDs, a source for every rule, and documented rules that never lean on
our own conventions (so another team's forwarder can pass them)."""

from __future__ import annotations

import inspect

import pytest

from conformance.checks import CHECKS
from conformance.rules import CATALOGUE, MAPPING, Kind, UnknownRule, select_rules

REQUIRED = {
    "MAP-CUSTOM-EVENT", "MAP-CUSTOM-EVENT-TYPE", "MAP-SCREEN-NAME", "MAP-SCREEN-PROPERTY", "MAP-SESSION", "MAP-UNLISTED",
    "COMMERCE-FANOUT", "COMMERCE-ONE-REQUEST", "COMMERCE-MAIN-CONTENT", "EVENT-TIMESTAMP", "EVENT-SESSION-ID", "EVENT-IDENTITY",
    "USER-ATTRIBUTES", "TRUNCATE-1024", "PLATFORMS", "WEB-SERVER-SIDE", "LIMIT-TRACK", "LIMIT-USER-PROPERTIES",
    "LIMIT-BULK-IDENTITY", "LIMIT-BULK-APP", "RETRY-AFTER", "DELIVER-ALL", "EXACTLY-ONCE", "NO-RETRY-400",
}  # fmt: skip
# Names only our forwarder chose (MAPPING.md); a documented check that looked for them would fail other teams.
OUR_PROPERTY_NAMES = ("product_ids", "product_id", "product_action", "promotion_ids", "Session Start", "Session End", "session_duration_ms")


def test_ids_are_unique_and_the_issue_list_is_covered() -> None:
    ids = [rule.id for rule in CATALOGUE]
    assert len(ids) == len(set(ids))
    assert REQUIRED <= set(ids)


@pytest.mark.parametrize("rule", CATALOGUE, ids=[rule.id for rule in CATALOGUE])
def test_each_rule_has_a_statement_and_a_source_of_its_kind(rule: object) -> None:
    assert rule.statement.endswith(".") and len(rule.statement) < 140  # type: ignore[attr-defined]
    from_mapping = rule.source.startswith(MAPPING)  # type: ignore[attr-defined]
    assert from_mapping == (rule.kind == Kind.CONVENTION)  # type: ignore[attr-defined]


@pytest.mark.parametrize("rule", [rule for rule in CATALOGUE if rule.kind == Kind.DOCUMENTED], ids=lambda rule: rule.id)
def test_documented_checks_do_not_use_our_conventions(rule: object) -> None:
    source = inspect.getsource(CHECKS[rule.id])  # type: ignore[attr-defined]
    assert not [name for name in OUR_PROPERTY_NAMES if f'"{name}"' in source]


def test_select_rules_keeps_catalogue_order_and_refuses_unknown_ids() -> None:
    assert [rule.id for rule in select_rules(["LIMIT-TRACK", "MAP-SESSION"])] == ["MAP-SESSION", "LIMIT-TRACK"]
    with pytest.raises(UnknownRule, match="NOPE"):
        select_rules(["NOPE"])


@pytest.mark.parametrize("rule", CATALOGUE, ids=[rule.id for rule in CATALOGUE])
def test_every_documented_rule_says_which_readings_it_accepts(rule: object) -> None:
    readings = rule.readings  # type: ignore[attr-defined]
    assert bool(readings) == (rule.kind == Kind.DOCUMENTED)  # type: ignore[attr-defined]
    assert not readings or readings.endswith(".")


def test_rules_are_selected_by_kind() -> None:
    conventions = select_rules(None, Kind.CONVENTION)
    assert conventions and all(rule.id.startswith("CONV-") for rule in conventions)
    assert [rule.id for rule in select_rules(["MAP-SESSION", "CONV-SESSION-NAMES"], Kind.DOCUMENTED)] == ["MAP-SESSION"]


@pytest.mark.parametrize("rule", CATALOGUE, ids=[rule.id for rule in CATALOGUE])
def test_every_rule_says_what_it_reads(rule: object) -> None:
    reads = rule.reads  # type: ignore[attr-defined]
    assert reads.heap, "the Heap field it checks"
    assert all(path and "  " not in path for path in reads.mparticle)


def test_list_rules_says_what_each_rule_reads(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conformance.test_cli import run_cli

    _, out, _ = run_cli(capsys, "--list-rules")
    assert out.count("reads: mParticle ") == len(CATALOGUE)
    assert "Heap session_id, the track event's own field, of the stored events at the event's timestamp (properties.session_id does not count)" in out


def test_the_identity_spellings_a_rule_names_are_the_ones_the_oracle_reads() -> None:
    """EVENT-IDENTITY names each Customer ID spelling; the oracle reads each, and no other."""
    from conformance.fixtures import ForwarderSettings
    from conformance.oracle import read_batch
    from heap_facts.names import CUSTOMER_ID_KEYS

    text = " ".join(RULES_BY_ID["EVENT-IDENTITY"].reads.mparticle)
    settings = ForwarderSettings("1", "customer_id")
    for key in CUSTOMER_ID_KEYS:
        assert f"user_identities.{key}" in text
        batch = read_batch(0, {"user_identities": {key: "c-9"}, "events": []}, settings)
        assert (batch.identity, batch.identity_path) == ("c-9", f"user_identities.{key}")
    assert read_batch(0, {"user_identities": {"customerId": "c-9"}, "events": []}, settings).identity is None
    listed = read_batch(0, {"user_identities": [{"identity_type": "email", "identity": "e"}, {"identity_type": "customer_id", "identity": 7}], "events": []}, settings)
    assert (listed.identity, listed.identity_path) == ("7", "user_identities[1].identity") and "user_identities[identity_type=customer_id].identity" in text


RULES_BY_ID = {rule.id: rule for rule in CATALOGUE}
