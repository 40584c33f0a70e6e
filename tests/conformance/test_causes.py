"""Every failure explains itself, and one cause is reported once: a forwarder in another language
that misses one input spelling shows one cause, with its input, the provenance of that spelling,
the evidence and the program's own output, in the text and the JSON reports; a refused request
is a cause with Heap's answer; any other finding carries its input, what its rule reads and the
forwarder's output for that batch."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest

from conformance.fixtures import FIXTURES_DIR
from conformance.pytest_plugin import ConformanceHarness
from conformance.report import render_junit, render_text, report_json
from tests.conformance import broken
from tests.conformance.test_cli import run_cli

NODE_FORWARDER = Path(__file__).parent / "programs" / "forward_no_customerid.js"
README = Path(__file__).resolve().parents[2] / "README.md"
CUSTOMERID_RULES = ["MAP-CUSTOM-EVENT", "MAP-CUSTOM-EVENT-TYPE", "EVENT-TIMESTAMP", "EVENT-IDENTITY", "PLATFORMS"]


def readme_cause_example() -> list[str]:
    """The lines of the README's example cause (the ```text block that starts with [CAUSE 1])."""
    block = re.search(r"```text\n(\[CAUSE 1\].*?)```", README.read_text(), re.DOTALL)
    assert block is not None
    return block.group(1).splitlines()


@pytest.mark.skipif(shutil.which("node") is None, reason="the forwarder under test is a Node program")
def test_a_node_forwarder_missing_customerid_is_one_cause_with_its_input_evidence_and_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder, report, artifacts = tmp_path / "fixtures", tmp_path / "report.json", tmp_path / "artifacts"
    folder.mkdir()
    shutil.copy(FIXTURES_DIR / "custom_events_customer_id.json", folder)
    command = shlex.join(["node", str(NODE_FORWARDER)])
    argv = ["--forwarder-cmd", command, "--fixtures", str(folder), "--json", str(report), "--keep-artifacts", str(artifacts)]
    code, out, _ = run_cli(capsys, *argv)
    assert code == 1

    # The text report: the cause once, its rules, the input with the spelling's provenance, the evidence, the output.
    assert out.count("[CAUSE ") == 1, out
    assert "[CAUSE 1] fixture custom_events_customer_id, batch 2: batch 2 produced no Heap event at all" in out
    assert f"fails: {', '.join(CUSTOMERID_RULES)}" in out
    assert 'input: batch 2 {"user_identities": {"customerid": "cust-1003"}}' in out
    assert "read as: identity 'cust-1003' from user_identities.customerid" in out
    assert "unusual input $.batches[2].user_identities.customerid" in out and "the key mParticle's Python SDK (PyPI `mparticle`) sends" in out
    assert "expected: at least 1 Heap event(s) with identity 'cust-1003'" in out
    assert "evidence (nearest received):" in out and "identity 'cust-1002'" in out
    assert "forwarder on batch 2: exit 0" in out and "no customer_id in the batch (user_identities keys: customerid): skipped" in out
    assert out.count("failure(s) part of cause(s) 1 above") == len(CUSTOMERID_RULES), "each rule points to the cause, none repeats it"
    assert "received: no Heap event" not in out
    assert "DOES NOT CONFORM: 0 passed, 5 failed (1 cause(s) above)" in out
    assert [line for line in readme_cause_example() if line not in out.splitlines()] == [], "the README shows this cause as printed"

    # The JSON report: the same cause, in the shape the issue gives.
    document = json.loads(report.read_text())
    assert document["verdict"] == "does_not_conform"
    assert {rule["id"]: rule["result"] for rule in document["rules"] if rule["result"] != "not exercised"} == dict.fromkeys(CUSTOMERID_RULES, "fail")
    [cause] = document["causes"]
    assert (cause["fixture"], cause["batch"], cause["event"], cause["rules"]) == ("custom_events_customer_id", 2, None, CUSTOMERID_RULES)
    assert cause["input"]["batch"] == {"user_identities": {"customerid": "cust-1003"}}
    assert cause["input"]["events"][0]["data"]["event_name"] == "Exported Report"
    assert [unusual["path"] for unusual in cause["input"]["unusual_inputs"]] == ["$.batches[2].user_identities.customerid"]
    assert cause["forwarder"]["exit"] == 0 and cause["forwarder"]["stdout"] == "" and "skipped" in cause["forwarder"]["stderr"]
    assert cause["expected"] and cause["received"] and cause["evidence"] and cause["summary"]
    assert all(rule["failures"] == [] and rule["causes"] == [1] for rule in document["rules"] if rule["result"] == "fail")
    assert document["warnings"] == []

    # The artifacts a CI job uploads: the batches given, the program's output per batch, the journal.
    kept = artifacts / "custom_events_customer_id"
    assert len(json.loads((kept / "batches.json").read_text())) == 4
    outputs = json.loads((kept / "forwarder.json").read_text())
    assert [(entry["batch"], entry["exit"]) for entry in outputs] == [(0, 0), (1, 0), (2, 0), (3, 0)]
    assert outputs[0]["stdout"] == "sent 1 event(s) for cust-1001\n" and "skipped" in outputs[2]["stderr"]
    assert [entry["status"] for entry in json.loads((kept / "journal.json").read_text())] == [200, 200]


def test_a_refused_request_is_a_cause_with_heaps_answer(heap_conformance: ConformanceHarness) -> None:
    report = heap_conformance.run(broken.properties_as_list, fixtures=["screen_views"])
    assert report.causes and {cause.kind for cause in report.causes} == {"refused"}
    assert all({"MAP-SCREEN-NAME", "EVENT-TIMESTAMP"} <= set(cause.rules) for cause in report.causes)
    text = render_text(report)
    assert "was answered 400 [properties.object]: postBody.events[0].properties should be object" in text
    assert "forwarder on batch 0: reported a failure: returned False" in text
    junit = render_junit(report)
    assert "reads: mParticle events[].data.screen_name" in junit
    assert "[CAUSE 1]" in junit and "was answered 400" in junit, "a rule's JUnit failure carries the causes it is part of"


def test_a_finding_apart_from_any_cause_shows_what_its_rule_reads_its_input_and_the_forwarders_output(
    heap_conformance: ConformanceHarness,
) -> None:
    report = heap_conformance.run(broken.session_id_as_property, ["EVENT-SESSION-ID"], ["sessions"])
    assert report.causes == ()
    text = render_text(report)
    assert "reads: mParticle events[].data.session_id" in text and "(properties.session_id does not count)" in text
    assert "received: session_id field [None]; properties.session_id ['2211334455'] is a property, not the event's session_id" in text
    assert "input: batch 0 " in text and 'event 1: {"event_type": "custom_event"' in text
    assert "forwarder on batch 0: in-process, returned as delivered" in text
    [rule] = [rule for rule in report_json(report)["rules"] if rule["id"] == "EVENT-SESSION-ID"]
    assert rule["reads"]["heap"].endswith("(properties.session_id does not count)")
    assert rule["failures"][0]["input"]["event"]["data"]["session_id"] == 2211334455
    assert rule["failures"][0]["batch"] == 0 and rule["failures"][0]["event"] is not None


def test_a_conforming_run_has_no_causes_in_its_json_report(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    code, out, _ = run_cli(capsys, "--rules", "MAP-SESSION", "--json", str(report))
    assert code == 0, out
    document = json.loads(report.read_text())
    assert (document["verdict"], document["causes"], document["warnings"]) == ("conforms", [], [])
    assert [rule["id"] for rule in document["rules"]] == ["MAP-SESSION"]
    assert {key for key in document["rules"][0]} >= {"id", "kind", "result"} and document["rules"][0]["result"] == "pass"
