"""Reports and golden files explain themselves: failures carry expected, received and nearest;
a golden mismatch is a readable unified diff."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from conformance.golden import compare_golden, readable_diff, render
from conformance.observed import JournalEntry, Observation
from conformance.report import render_junit, render_markdown, render_text
from conformance.results import CheckResult, Finding, FixtureOutcome, rule_results
from conformance.rules import select_rules
from conformance.runner import Report


def sample_report() -> Report:
    finding = Finding("batch 0 event 1 (screen_view 'Home')", "exactly 1 Heap event named 'Viewed: Home'", "1 Heap event(s): 1× 'Home'", ("req-3: POST /api/track -> 200",))
    outcome = FixtureOutcome(
        "screen_views",
        (CheckResult("MAP-SCREEN-NAME", "screen_views", 3, (finding,)), CheckResult("MAP-SCREEN-PROPERTY", "screen_views", 3)),
        notes=("batch 0: the forwarder reported a failure (exit 1)",),
    )
    rules = select_rules(["MAP-SCREEN-NAME", "MAP-SCREEN-PROPERTY", "LIMIT-TRACK"])
    return Report("a broken forwarder", rule_results(rules, [outcome]), (outcome,), 0.5)


def test_text_report_has_a_row_per_rule_and_details_per_failure() -> None:
    text = render_text(sample_report())
    assert re.search(r"^MAP-SCREEN-NAME +documented +FAIL +3 +screen_views$", text, re.MULTILINE)
    assert "LIMIT-TRACK" in text and "not exercised" in text
    assert "expected: exactly 1 Heap event named 'Viewed: Home'" in text
    assert "req-3: POST /api/track -> 200" in text
    assert "[NOTE] screen_views: batch 0: the forwarder reported a failure" in text
    assert text.splitlines()[-1].startswith("DOES NOT CONFORM: 1 passed, 1 failed, 1 not exercised")


def test_markdown_and_junit_agree_with_the_text() -> None:
    report = sample_report()
    markdown = render_markdown(report)
    assert "| `MAP-SCREEN-NAME` | documented | **FAIL** | 3 |" in markdown
    assert "### `MAP-SCREEN-NAME`" in markdown
    suite = ET.fromstring(render_junit(report)).find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "1", "1")


def observation(*bodies: dict[str, object]) -> Observation:
    entries = tuple(JournalEntry(f"req-{i}", "POST", "/api/track", 200, 0.0, body, None, None, None, None) for i, body in enumerate(bodies))
    return Observation((), entries, {}, 0.0, {})


def test_golden_masks_idempotency_keys_and_compacts_large_bulks(tmp_path: Path) -> None:
    event = {"event": "Item", "identity": "a", "idempotency_key": "k1"}
    observed = observation({"app_id": "1", "event": "X", "identity": "a", "idempotency_key": "k0"}, {"app_id": "1", "events": [event] * 30})
    compare_golden("f", observed, update=True, directory=tmp_path)
    document = json.loads((tmp_path / "f.json").read_text())
    assert document[0]["body"]["idempotency_key"] == "<key:1>"
    assert document[1]["body"]["events_count"] == 30 and len(document[1]["body"]["events_head"]) == 3
    assert document[1]["body"]["events_head"][0]["idempotency_key"] == "<key:2>"


def test_a_golden_mismatch_is_a_readable_diff(tmp_path: Path) -> None:
    compare_golden("f", observation({"app_id": "1", "event": "Viewed: Home", "identity": "a"}), update=True, directory=tmp_path)
    result = compare_golden("f", observation({"app_id": "1", "event": "Home", "identity": "a"}), directory=tmp_path)
    assert not result.matched
    assert '-   "event": "Viewed: Home",' in result.diff and '+   "event": "Home",' in result.diff
    assert result.diff.startswith("--- golden/f.json")


def test_update_golden_rewrites_only_what_changed(tmp_path: Path) -> None:
    observed = observation({"app_id": "1", "event": "X", "identity": "a"})
    assert compare_golden("f", observed, update=True, directory=tmp_path).updated
    assert not compare_golden("f", observed, update=True, directory=tmp_path).updated
    assert compare_golden("f", observed, directory=tmp_path).matched


def test_long_diffs_are_cut() -> None:
    expected = render([{"n": n} for n in range(200)])
    diff = readable_diff(expected, render([{"n": -n} for n in range(200)]), "big.json")
    assert diff.splitlines()[-1].startswith("... ") and len(diff.splitlines()) <= 81
