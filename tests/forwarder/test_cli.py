"""`heap-forward` end to end: arguments, the three input forms, the summary and the exit status."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from forwarder import cli
from heap_mock.testing import MockClient
from tests.forwarder.conftest import DATA, custom, make_batch


def run(argv: list[str], stdin: bytes = b"") -> tuple[int, dict[str, Any] | None, str]:
    out, err = io.StringIO(), io.StringIO()
    status = cli.main(argv, stdin=io.BytesIO(stdin), stdout=out, stderr=err)
    return status, (json.loads(out.getvalue()) if out.getvalue() else None), err.getvalue()


def args(url: str, *extra: str) -> list[str]:
    return ["--heap-url", url, "--app-id", "11", "--external-id", "customer_id", *extra]


def write(tmp_path: Path, name: str, content: Any) -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def test_dry_run_prints_the_requests_and_sends_nothing(heap_mock: MockClient) -> None:
    status, summary, _ = run(args(heap_mock.url, "--dry-run", "--forward-user-attributes", str(DATA / "04_docs_jsonref_master_sample.json")))
    assert status == 0 and summary is not None
    assert [request["path"] for request in summary["heap_requests"]] == ["/api/add_user_properties", "/api/track", "/api/track"]
    assert summary["heap_requests"][1]["body"]["event"] == "Session Start"
    assert (summary["batches"], summary["events_in"], summary["heap_events_mapped"], summary["skipped"]["count"]) == (1, 4, 2, 2)
    assert heap_mock.requests() == []


def test_an_array_of_batches_is_delivered_and_summarised(heap_mock: MockClient, tmp_path: Path) -> None:
    batches = [make_batch(custom("A"), source_request_id="1"), make_batch(custom("B"), {"event_type": "opt_out", "data": {}}, source_request_id="2")]
    status, summary, _ = run(args(heap_mock.url, write(tmp_path, "bulk.json", batches)))
    assert status == 0 and summary is not None
    assert (summary["batches"], summary["events_in"], summary["heap_events_sent"]) == (2, 3, 2)
    assert summary["requests"] == {"delivered": 2, "attempts": 2, "throttled": 0, "retries": 0}
    assert list(summary["skipped"]["by_reason"].values()) == [1] and "opt_out" in next(iter(summary["skipped"]["by_reason"]))
    assert summary["failed"] == {"count": 0, "requests": []} and summary["rejected"] == []
    assert sorted(event["event"] for event in heap_mock.events()) == ["A", "B"]


def test_ndjson_on_stdin_with_a_broken_line_rejects_only_that_line(heap_mock: MockClient) -> None:
    lines = [json.dumps(make_batch(custom("A"), source_request_id="1")), "{not json", "", json.dumps(make_batch(custom("C"), source_request_id="3"))]
    status, summary, _ = run(args(heap_mock.url, "-"), "\n".join(lines).encode())
    assert status == 1 and summary is not None
    assert [item["batch"] for item in summary["rejected"]] == ["<stdin>:2"]
    assert summary["heap_events_sent"] == 2
    assert sorted(event["event"] for event in heap_mock.events()) == ["A", "C"]


def test_a_structurally_broken_batch_exits_1_naming_its_path(heap_mock: MockClient, tmp_path: Path) -> None:
    batches = [make_batch(custom("A")), {"events": [{"data": {}}]}]
    status, summary, _ = run(args(heap_mock.url, write(tmp_path, "in.json", batches)))
    assert status == 1 and summary is not None
    assert summary["rejected"] == [{"batch": f"{tmp_path}/in.json[1]", "error": "$.events[0].event_type: is required: a non-empty string such as \"custom_event\""}]
    assert [event["event"] for event in heap_mock.events()] == ["A"]


def test_a_refused_request_exits_1_with_the_servers_message(heap_mock: MockClient, tmp_path: Path) -> None:
    heap_mock.add_fault(path="/api/track", status=400, body="postBody.events[0].event should be string", times=1)
    status, summary, _ = run(args(heap_mock.url, write(tmp_path, "one.json", make_batch(custom("A")))))
    assert status == 1 and summary is not None
    (failure,) = summary["failed"]["requests"]
    assert failure["status"] == 400 and failure["attempts"] == 1 and "postBody.events[0].event should be string" in failure["reason"]


def test_several_files_and_the_web_setting(heap_mock: MockClient, tmp_path: Path) -> None:
    web = make_batch(custom("W"), device_info={"platform": "web"}, source_request_id="w")
    ios = make_batch(custom("I"), source_request_id="i")
    status, summary, _ = run(args(heap_mock.url, "--no-forward-web-server-side", write(tmp_path, "w.json", web), write(tmp_path, "i.json", ios)))
    assert status == 0 and summary is not None
    assert summary["batches"] == 2 and summary["skipped"]["count"] == 1
    assert [event["event"] for event in heap_mock.events()] == ["I"]


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read"), ("", "is empty"), ("{oops", "is not valid JSON"), (b"\xff\xfe{}", "not valid JSON")],
)
def test_unreadable_input_exits_2(tmp_path: Path, content: str | bytes | None, message: str) -> None:
    path = tmp_path / "input.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    status, summary, err = run(args("http://127.0.0.1:9", str(path)))
    assert status == 2 and summary is None
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--app-id", "11", "x.json"], "the following arguments are required: --heap-url"),
        (["--heap-url", "http://h", "x.json"], "the following arguments are required: --app-id"),
        (["--heap-url", "http://h", "--app-id", "11"], "the following arguments are required: FILE"),
        (["--heap-url", "http://h", "--app-id", "abc", "x.json"], "app_id must be the numeric Heap environment ID"),
        (["--heap-url", "http://h", "--app-id", "11", "--external-id", "email", "x.json"], "invalid choice: 'email'"),
        (["--heap-url", "heap.example", "--app-id", "11", "x.json"], "--heap-url must be an http:// or https:// URL"),
        (["--heap-url", "http://h", "--app-id", "11", "--max-attempts", "0", "x.json"], "argument --max-attempts: must be a positive whole number, got the number 0"),
        (["--heap-url", "http://h", "--app-id", "11", "--time-scale", "0", "x.json"], "argument --time-scale: must be a number > 0, got the number 0"),
        (["--heap-url", "http://h", "--app-id", "11", "--time-scale", "fast", "x.json"], "argument --time-scale: must be a number > 0, got the text 'fast'"),
        (["--heap-url", "http://h", "--app-id", "11", "--time-scale", "inf", "x.json"], "argument --time-scale: must be a number > 0, got the number inf"),
    ],
)
def test_unusable_arguments_exit_2_with_a_clear_message(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_progress_goes_to_stderr_on_long_runs(heap_mock: MockClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "PROGRESS_EVERY_S", 0.0)
    batches = [make_batch(custom(f"E{n}"), source_request_id=str(n)) for n in range(3)]
    status, summary, err = run(args(heap_mock.url, write(tmp_path, "in.json", batches)))
    assert status == 0 and summary is not None
    assert "heap-forward: 3 batches done" in err.splitlines()[-1]


def test_python_dash_m_forwarder_runs_the_cli() -> None:
    done = subprocess.run([sys.executable, "-m", "forwarder", "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and "--heap-url" in done.stdout and "--dry-run" in done.stdout
