"""The suite has teeth: a forwarder with one deliberate bug fails, and the failure names the rule
that bug breaks (while the rules it does not break still pass)."""

from __future__ import annotations

import pytest

from conformance.forwarders import ForwardFunction
from conformance.pytest_plugin import ConformanceHarness
from conformance.results import FixtureOutcome
from conformance.rules import RULES, Kind
from tests.conformance import broken


def failed_rules(outcome: FixtureOutcome) -> set[str]:
    return {check.rule_id for check in outcome.checks if not check.passed}


def passed_rules(outcome: FixtureOutcome) -> set[str]:
    return {check.rule_id for check in outcome.checks if check.passed and check.exercised}


# (broken forwarder, fixture, rules it must fail, rules it must still pass)
CASES = [
    (broken.wrong_screen_names, "screen_views", {"MAP-SCREEN-NAME"}, {"MAP-SCREEN-PROPERTY", "EVENT-TIMESTAMP", "EVENT-IDENTITY"}),
    (broken.no_commerce_fanout, "commerce_product_action", {"COMMERCE-FANOUT", "COMMERCE-ITEM-CONTENT"}, {"COMMERCE-ONE-REQUEST", "EVENT-IDENTITY"}),
    (broken.split_commerce, "commerce_product_action", {"COMMERCE-ONE-REQUEST"}, {"COMMERCE-FANOUT", "COMMERCE-NAMES", "COMMERCE-ITEM-CONTENT"}),
    (broken.ignores_retry_after, "faults_429", {"RETRY-AFTER"}, {"DELIVER-ALL", "EXACTLY-ONCE"}),
    (broken.plain, "burst_track", {"LIMIT-TRACK"}, {"DELIVER-ALL", "EXACTLY-ONCE", "MAP-CUSTOM-EVENT"}),
    (broken.no_truncation, "truncation", {"TRUNCATE-1024", "TRUNCATE-EVENT-NAME"}, set()),
    (broken.duplicates_on_retry, "faults_5xx_and_drops", {"EXACTLY-ONCE"}, {"DELIVER-ALL"}),
    (broken.retries_400, "faults_400", {"NO-RETRY-400"}, set()),
    # Readings the documented rules accept are no loophole: a cut at 1000 is not 1023 or 1024, and one
    # Impression Event per list still needs every list's Items.
    (broken.cuts_too_short, "truncation", {"TRUNCATE-1024", "TRUNCATE-EVENT-NAME"}, set()),
    (broken.one_impression_list_lost, "commerce_impressions", {"COMMERCE-FANOUT", "COMMERCE-NAMES", "COMMERCE-ITEM-CONTENT"}, {"EVENT-IDENTITY"}),
]


@pytest.mark.parametrize(("forward", "fixture_id", "must_fail", "must_pass"), CASES, ids=[case[0].__name__ for case in CASES])
def test_a_broken_forwarder_fails_the_rule_it_breaks(
    heap_conformance: ConformanceHarness, forward: ForwardFunction, fixture_id: str, must_fail: set[str], must_pass: set[str]
) -> None:
    outcome = heap_conformance.run_fixture(fixture_id, forward)
    assert must_fail <= failed_rules(outcome), f"expected {must_fail} to fail, failed: {failed_rules(outcome)}"
    assert must_pass <= passed_rules(outcome), f"expected {must_pass} to pass, failed: {failed_rules(outcome)}"
    assert outcome.golden is None, "golden files are for our own forwarder only"


def test_the_correct_baseline_passes_what_the_broken_ones_fail(heap_conformance: ConformanceHarness) -> None:
    """The broken forwarders share this delivery loop: the failures above come from their bugs, not from it."""
    for fixture_id in ("screen_views", "commerce_product_action", "faults_429", "faults_5xx_and_drops", "faults_400"):
        outcome = heap_conformance.run_fixture(fixture_id, broken.plain)
        assert not failed_rules(outcome), (fixture_id, failed_rules(outcome))


def test_a_failure_explains_itself(heap_conformance: ConformanceHarness) -> None:
    """The finding names the source event, the expected name, what arrived, and the request it arrived in."""
    outcome = heap_conformance.run_fixture("screen_views", broken.wrong_screen_names, rules=["MAP-SCREEN-NAME"])
    check = outcome.check("MAP-SCREEN-NAME")
    assert check is not None and check.findings
    finding = check.findings[0]
    assert "screen_view 'Home'" in finding.subject
    assert "'Viewed: Home'" in finding.expected
    assert "1× 'Home'" in finding.received
    assert any("POST /api/track -> 200" in near and "'Home'" in near for near in finding.nearest)


def test_untruncated_values_show_the_refusal_they_caused(heap_conformance: ConformanceHarness) -> None:
    outcome = heap_conformance.run_fixture("truncation", broken.no_truncation, rules=["TRUNCATE-1024"])
    check = outcome.check("TRUNCATE-1024")
    assert check is not None
    evidence = [near for finding in check.findings for near in finding.nearest]
    assert any("-> 400" in near and "sent it uncut" in near and "1024" in near for near in evidence), evidence


def test_documented_rules_do_not_depend_on_our_conventions(heap_conformance: ConformanceHarness) -> None:
    """Another team's forwarder that follows the seed but names what the seed leaves open its own way
    passes every documented rule, and fails only the conventions it chose differently."""
    fixtures = ["commerce_impressions", "commerce_product_action", "commerce_promotions", "custom_events_customer_id", "custom_events_mpid",
                "platforms", "public_samples", "screen_views", "sessions", "truncation", "unlisted_event_types", "user_attributes_on"]  # fmt: skip
    outcomes = [heap_conformance.run_fixture(fixture_id, broken.other_team) for fixture_id in fixtures]
    failing = {check.rule_id for outcome in outcomes for check in outcome.checks if not check.passed}
    documented_passed = {check.rule_id for outcome in outcomes for check in outcome.checks if check.passed and RULES[check.rule_id].kind == Kind.DOCUMENTED}
    assert failing == {"CONV-SESSION-NAMES", "CONV-COMMERCE-PROPERTIES"}
    assert len(documented_passed) >= 15, documented_passed
