"""Judged on what the seed decides: a forwarder written with another team's choices (its own property
names, one Impression Event per impression list, Items before their main event, values cut to 1023)
passes every documented rule, and fails the conventions it breaks only when conventions are asked for."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.fixtures import FIXTURES_DIR
from conformance.pytest_plugin import ConformanceHarness
from conformance.results import Status
from conformance.rules import RULES, Kind
from tests.conformance.test_cli import run_cli

OTHER = "tests.conformance.other_team:forward"
# Every bundled fixture but the bursts: it does not pace (a plain loop), so the LIMIT-* rules are the teeth tests' business.
FIXTURES = [
    "commerce_impressions", "commerce_many_products", "commerce_product_action", "commerce_promotions", "conventions_values", "custom_events_customer_id",
    "custom_events_mpid", "faults_400", "faults_429", "faults_5xx_and_drops", "platforms", "public_samples", "redelivery",
    "screen_view_missing_name", "screen_views", "sessions", "timestamp_fallback", "truncation", "unlisted_event_types",
    "user_attributes_off", "user_attributes_on", "web_client_side",
]  # fmt: skip
# The conventions it chooses differently, and so must differ from.
ITS_CHOICES = {"CONV-SESSION-NAMES", "CONV-COMMERCE-ORDER", "CONV-COMMERCE-PROPERTIES", "CONV-CUSTOM-TYPE-DEFAULT", "CONV-VALUES", "CONV-USER-ID-RENAME"}


def test_it_passes_every_documented_rule_and_differs_only_in_conventions(heap_conformance: ConformanceHarness) -> None:
    report = heap_conformance.run(OTHER, fixtures=FIXTURES)
    by_status = {status: {r.rule.id for r in report.rules if r.status == status} for status in Status}
    documented = {rule_id for rule_id, rule in RULES.items() if rule.kind == Kind.DOCUMENTED}
    assert by_status[Status.FAIL] == set(), by_status[Status.FAIL]
    assert documented - {"LIMIT-BULK-APP", "LIMIT-BULK-IDENTITY", "LIMIT-TRACK", "LIMIT-USER-PROPERTIES"} <= by_status[Status.PASS]
    assert ITS_CHOICES <= by_status[Status.DIFFERS], by_status[Status.DIFFERS]
    assert report.passed and not report.conventions_judged


def test_asked_for_conventions_it_fails_exactly_the_ones_it_breaks(heap_conformance: ConformanceHarness) -> None:
    report = heap_conformance.run(OTHER, fixtures=FIXTURES, conventions=True)
    failed = {r.rule.id for r in report.rules if r.status == Status.FAIL}
    assert ITS_CHOICES <= failed and all(RULES[rule_id].kind == Kind.CONVENTION for rule_id in failed), failed
    assert not report.passed


def test_several_impression_events_are_one_reading_of_the_seed(heap_conformance: ConformanceHarness) -> None:
    outcome = heap_conformance.run_fixture("commerce_impressions", OTHER)
    judged = {check.rule_id: check.passed for check in outcome.checks}
    assert judged["COMMERCE-FANOUT"] and judged["COMMERCE-NAMES"] and judged["COMMERCE-MAIN-CONTENT"], judged
    assert not judged["CONV-COMMERCE-ORDER"], "items before the main event is not our order"


RULES_ARG = "COMMERCE-FANOUT,COMMERCE-NAMES,COMMERCE-MAIN-CONTENT,COMMERCE-ITEM-CONTENT,CONV-COMMERCE-ORDER,CONV-COMMERCE-PROPERTIES"


def test_the_command_exits_0_reporting_the_differences_and_1_with_conventions(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    junit, mine = tmp_path / "junit.xml", tmp_path / "fixtures"
    mine.mkdir()
    shutil.copy(FIXTURES_DIR / "commerce_impressions.json", mine)  # one fixture, through --fixtures
    code, out, _ = run_cli(capsys, "--forwarder", OTHER, "--fixtures", str(mine), "--rules", RULES_ARG, "--junitxml", str(junit))
    assert code == 0, out
    assert "CONVENTIONS NOT KEPT" in out and "differs from heap-sim's convention" in out and "[DIFFERS] CONV-COMMERCE-ORDER" in out
    assert "CONFORMS: 4 passed, 0 failed, 2 differ from heap-sim's conventions" in out
    cases = {case.get("name"): case for case in ET.parse(junit).getroot().iter("testcase")}
    assert cases["CONV-COMMERCE-ORDER"].find("failure") is None
    assert "differs from heap-sim's convention" in (cases["CONV-COMMERCE-ORDER"].findtext("system-out") or "")

    code, out, _ = run_cli(capsys, "--forwarder", OTHER, "--fixtures", str(mine), "--rules", RULES_ARG, "--conventions", "--junitxml", str(junit))
    assert code == 1 and "[FAIL] CONV-COMMERCE-ORDER" in out
    assert ET.parse(junit).getroot().find("testsuite").get("failures") == "2"  # type: ignore[union-attr]


def test_rules_are_selected_by_kind_without_a_list_of_ids(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "--forwarder", OTHER, "--kind", "convention", "--conventions", "--rules", RULES_ARG)
    assert code == 1
    table = [line.split()[0] for line in out.splitlines() if line.startswith(("COMMERCE-", "CONV-"))]
    assert table == ["CONV-COMMERCE-ORDER", "CONV-COMMERCE-PROPERTIES"]


def test_our_own_forwarder_is_judged_on_its_conventions_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "--kind", "convention", "--rules", "CONV-COMMERCE-ORDER,CONV-SESSION-NAMES")
    assert code == 0 and "CONFORMS: 2 passed, 0 failed" in out
