"""Warnings in the conformance report: requests the simulator accepted (as live Heap does) although
Heap's docs forbid them are findings, shown in every report form, failing a run only when asked."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.pytest_plugin import ConformanceHarness
from conformance.received import JournalEntry
from tests.conformance import warned
from tests.conformance.test_cli import run_cli

WARNED = "tests.conformance.warned:sends_booleans"
RULES = "MAP-SCREEN-NAME"


def test_a_fixture_outcome_carries_the_warnings_its_requests_drew(heap_conformance: ConformanceHarness) -> None:
    outcome = heap_conformance.run_fixture("screen_views", warned.sends_booleans, rules=[RULES])
    assert outcome.passed  # a warning is not a failure
    assert outcome.warnings and {w.rule_id for w in outcome.warnings} == {"properties.boolean"}
    first = outcome.warnings[0]
    warned_requests = [entry for entry in heap_conformance.runner.link.client.requests() if entry["warnings"]]
    assert warned_requests and all(entry["status"] == 200 for entry in warned_requests)
    assert first.json_path.endswith(".properties.from_mobile") and first.fact == "boolean true" and first.evidence == "observed"
    assert first.what_it_did.startswith("sent booleans: accepted by live Heap but outside the documented types")


def test_our_forwarder_draws_no_boolean_or_id_warnings(heap_conformance: ConformanceHarness) -> None:
    outcome = heap_conformance.run_fixture("public_samples")
    assert not {w.rule_id for w in outcome.warnings} & {"properties.boolean", "user_properties.reserved_id"}


def test_assert_conforms_fails_on_warnings_only_when_asked(heap_conformance: ConformanceHarness) -> None:
    heap_conformance.assert_conforms("screen_views", warned.sends_booleans, rules=[RULES])
    with pytest.raises(pytest.fail.Exception, match=r"properties\.boolean: sent booleans"):
        heap_conformance.assert_conforms("screen_views", warned.sends_booleans, rules=[RULES], fail_on_warnings=True)


def test_the_cli_reports_warnings_and_passes_unless_asked_to_fail_on_them(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    report, junit = tmp_path / "report.md", tmp_path / "junit.xml"
    code, out, _ = run_cli(capsys, "--forwarder", WARNED, "--rules", RULES, "--report", str(report), "--junitxml", str(junit))
    assert code == 0, out
    assert "[WARN] properties.boolean: sent booleans: accepted by live Heap but outside the documented types" in out
    assert "evidence: observed: airbytehq/airbyte" in out and "CONFORMS: 1 passed, 0 failed, 0 not exercised, " in out
    assert "## Warnings" in report.read_text()
    cases = {case.get("name"): case for case in ET.parse(junit).getroot().iter("testcase")}
    assert cases["properties.boolean"].find("failure") is None and cases["properties.boolean"].find("system-out") is not None

    code, out, _ = run_cli(capsys, "--forwarder", WARNED, "--rules", RULES, "--junitxml", str(junit), "--fail-on-warnings")
    assert code == 1 and "DOES NOT CONFORM" in out and "(failing: --fail-on-warnings)" in out
    failures = [case.get("name") for case in ET.parse(junit).getroot().iter("testcase") if case.find("failure") is not None]
    assert failures == ["properties.boolean"]


def test_a_warned_request_says_so_among_the_nearest_requests() -> None:
    raw = {"id": "req-3", "method": "POST", "path": "/api/track", "status": 200, "received_at": "2026-01-01T00:00:00.000Z",
           "body": {"app_id": "11", "identity": "a", "event": "E", "properties": {"f": True}}, "rule_id": None, "message": None,
           "warnings": [{"rule_id": "properties.boolean", "path": "postBody.events[0].properties.f", "fact": "boolean true",
                         "evidence": "observed", "source": "s", "message": "m"}]}
    summary = JournalEntry.from_json(raw).summary()
    assert summary == "req-3: POST /api/track -> 200 [warned: properties.boolean], 1 event(s) ['E']"
