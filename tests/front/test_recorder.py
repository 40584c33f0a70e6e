"""Recorded fixtures: received batches saved as conformance fixtures that heap-conformance replays."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from conformance import cli as conformance_cli
from conformance.fixtures import fixture_schema, schema_errors
from forwarder import Settings
from forwarder.front import recorder
from tests.browser import Tab
from tests.front.conftest import APP_ID, FrontFactory, batch, custom

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
from playwright.sync_api import expect

# What the recorded session below exercises beyond the nine rules the recorder once listed by hand.
EXERCISED_TOO = {
    "EVENT-TIMESTAMP", "EVENT-SESSION-ID", "MAP-CUSTOM-EVENT-TYPE", "MAP-SCREEN-PROPERTY", "COMMERCE-ONE-REQUEST",
    "COMMERCE-MAIN-CONTENT", "COMMERCE-ITEM-CONTENT",
}  # fmt: skip


def _session_batches() -> list[dict[str, Any]]:
    """Batches as SDKs send them: every event with its timestamp; one without an MPID (skipped)."""
    purchase = {
        "event_type": "commerce_event",
        "data": {
            "product_action": {"action": "purchase", "products": [{"id": "sku-1", "name": "Mug", "price": 9.5, "quantity": 1}]}
        },
    }
    session_start = {"event_type": "session_start", "data": {"session_id": 7}}
    events = [
        custom("Anonymous"),
        session_start,
        custom("Opened"),
        purchase,
        {"event_type": "screen_view", "data": {"screen_name": "Cart"}},
    ]
    events += [{"event_type": "crash_report", "data": {}}, custom("Liked")]
    for n, event in enumerate(events):
        event["data"]["timestamp_unixtime_ms"] = 1767225600000 + n * 1000
    return [
        batch(events[0], mpid=None, user_identities={"customerid": "c-1"}),
        batch(*events[1:6]),
        batch(events[6], user_attributes={"plan": "pro"}),
    ]


def test_recorded_traffic_replays_with_heap_conformance_and_becomes_a_golden_test(
    make_front: FrontFactory, tmp_path: Path
) -> None:
    front = make_front(Settings(APP_ID, forward_user_attributes=True), record_dir=tmp_path / "recorded")
    for item in _session_batches():
        assert front.post("/v2/events", item).status_code == 202
    front.settle()
    [path] = sorted((tmp_path / "recorded").glob("*.json"))
    document = json.loads(path.read_text())
    assert schema_errors(document, fixture_schema()) == []
    assert document["settings"]["forward_user_attributes"] is True
    assert len(document["batches"]) == 3
    assert document["rules"] == "derived", "the suite works out the rules, with the checks that judge every fixture"
    assert document["unusual_inputs"][0]["path"] == "$.batches" and "recorded by heap-forward serve" in document["unusual_inputs"][0]["provenance"]

    report = tmp_path / "report.json"
    with redirect_stdout(io.StringIO()) as out:
        assert conformance_cli.main(["--fixtures", str(tmp_path / "recorded"), "--update-golden", "--json", str(report)]) == 0, out.getvalue()
    assert (tmp_path / "recorded" / "golden" / path.name).exists()
    results = {rule["id"]: rule["result"] for rule in json.loads(report.read_text())["rules"]}
    passed = {rule_id for rule_id, result in results.items() if result == "pass"}
    assert {"MAP-CUSTOM-EVENT", "COMMERCE-FANOUT", "MAP-SESSION", "MAP-UNLISTED", "USER-ATTRIBUTES", *EXERCISED_TOO} <= passed, results
    assert {rule_id for rule_id, result in results.items() if result == "fail"} == set()
    with redirect_stdout(io.StringIO()) as out:
        assert conformance_cli.main(["--fixtures", str(tmp_path / "recorded")]) == 0, out.getvalue()


def test_a_recording_file_rolls_over_and_stays_valid(tmp_path: Path) -> None:
    rec = recorder.Recorder(tmp_path, Settings(APP_ID), max_batches_per_file=2)
    rec.record([batch(custom(f"E{n}")) for n in range(5)])
    files = sorted(tmp_path.glob("*.json"))
    assert [len(json.loads(path.read_text())["batches"]) for path in files] == [2, 2, 1]
    assert all(schema_errors(json.loads(path.read_text()), fixture_schema()) == [] for path in files)


def test_the_record_button_on_the_pipeline_view_starts_and_stops_recording_and_says_what_it_wrote(
    make_front: FrontFactory, tab: Tab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # without --record, the button records into ./recorded-fixtures
    front = make_front()
    page = tab.page
    page.goto(f"{front.url}/_front/pipeline?poll=100")
    button = page.locator("#record")
    expect(button).to_have_text("Start recording fixtures")
    button.click()
    expect(button).to_have_text("Stop recording")
    front.post("/v2/events", batch(custom("Recorded")))
    expect(page.locator("#record-state")).to_contain_text(f"Recording into {tmp_path.resolve()}/recorded-fixtures/")  # absolute
    expect(page.locator("#record-state")).to_contain_text("(1 batches in this file)")
    button.click()
    expect(button).to_have_text("Start recording fixtures")
    front.post("/v2/events", batch(custom("Not recorded")))
    front.settle()
    [path] = (tmp_path / "recorded-fixtures").glob("*.json")
    expect(page.locator("#record-state")).to_have_text(f"Stopped: wrote 1 file(s): {path.resolve()}")
    page.reload()  # the last stop's files are the front's to say, not only the page's
    expect(page.locator("#record-state")).to_have_text(f"Stopped: wrote 1 file(s): {path.resolve()}")
    assert [b["events"][0]["data"]["event_name"] for b in json.loads(path.read_text())["batches"]] == ["Recorded"]


def test_each_stop_lists_only_the_files_that_recording_wrote(tmp_path: Path) -> None:
    rec = recorder.Recorder(tmp_path / "out", Settings(APP_ID), recording=False, max_batches_per_file=1)
    assert rec.set_recording(True) == []
    rec.record([batch(custom("A")), batch(custom("B"))])
    first = rec.set_recording(False)
    assert len(first) == 2 and all(path.is_absolute() and path.exists() for path in first)
    rec.set_recording(True)
    rec.record([batch(custom("C"))])
    second = rec.set_recording(False)
    assert len(second) == 1 and second[0] not in first
    assert rec.status()["last_stop_wrote"] == [str(second[0])]
