"""Hostile batches (issue 11, item 9): each is refused alone, by name, and the good batches beside it
still go; no input ends in a traceback. And the input is streamed (item 10): reading a batch does
not read the whole input."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import pytest

from forwarder import BatchRejected, Settings, cli, inputs, map_batch
from forwarder.values import epoch_ms, heap_value
from heap_mock.testing import MockClient
from tests.forwarder.conftest import custom, make_batch

GOOD = json.dumps(make_batch(custom("Good"), source_request_id="good"))
DEEP = "[" * 1100 + "]" * 1100


def run(argv: list[str], stdin: bytes = b"") -> tuple[int, dict[str, Any] | None, str]:
    out, err = io.StringIO(), io.StringIO()
    status = cli.main(argv, stdin=io.BytesIO(stdin), stdout=out, stderr=err)
    return status, (json.loads(out.getvalue()) if out.getvalue() else None), err.getvalue()


def forward(url: str, text: str, *extra: str) -> tuple[int, dict[str, Any]]:
    status, summary, err = run(["--heap-url", url, "--app-id", "11", "--external-id", "customer_id", *extra, "-"], text.encode())
    assert summary is not None and "Traceback" not in err, err
    return status, summary


def deep_value(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = [value]
    return value


# --- item 9: every hostile batch rejected alone, by name, its neighbours delivered -----------------
HOSTILE_LINES = {
    "lone surrogate in source_request_id": ('{"source_request_id": "\\ud800", "mpid": 1, "events": []}', "$.source_request_id: holds a lone surrogate"),
    "nesting over 1,024 levels in one NDJSON line": (DEEP, "is nested too deeply to read"),
    "nesting over 1,024 levels in attributes": (
        json.dumps(make_batch(custom("X", custom_attributes={"deep": "@"}), source_request_id="d")).replace('"@"', DEEP),
        "is nested too deeply to read",
    ),
    "nesting within what JSON reads, in attributes": (
        json.dumps(make_batch(custom("X", custom_attributes={"deep": "@"}), source_request_id=None)).replace('"@"', "[" * 600 + "]" * 600),
        "is nested deeper than 254 levels",
    ),
    "lone surrogate in an attribute name": (
        json.dumps(make_batch(custom("X", custom_attributes={"@": 1}))).replace('"@"', '"\\udc00"'),
        "$.events[0].data.custom_attributes.\\udc00: its name holds a lone surrogate",
    ),
}


@pytest.mark.parametrize("dry_run", [False, True], ids=["deliver", "dry-run"])
@pytest.mark.parametrize("hostile", list(HOSTILE_LINES))
def test_a_hostile_batch_is_rejected_by_name_and_its_neighbours_go(heap_mock: MockClient, hostile: str, dry_run: bool) -> None:
    line, message = HOSTILE_LINES[hostile]
    status, summary = forward(heap_mock.url, "\n".join([GOOD, line, GOOD.replace('"good"', '"good-2"')]), *(["--dry-run"] if dry_run else []))
    assert status == 1
    assert [entry["batch"] for entry in summary["rejected"]] == ["<stdin>:2"]
    assert message in summary["rejected"][0]["error"]
    assert (summary["batches"], summary["rejected_count"]) == (3, 1)
    if dry_run:
        assert [request["batch"] for request in summary["heap_requests"]] == ["<stdin>:1", "<stdin>:3"]
    else:
        assert [event["event"] for event in heap_mock.events()] == ["Good", "Good"]


@pytest.mark.parametrize(
    ("field", "path"),
    [("mpid", "$.mpid"), ("event_name", "$.events[0].data.event_name"), ("custom_attributes", "$.events[0].data.custom_attributes.a")],
)
def test_dry_run_refuses_lone_surrogates_in_mpid_names_and_attributes(field: str, path: str) -> None:
    batch = make_batch(custom("@" if field == "event_name" else "Named", custom_attributes={"a": "@"}), mpid="@" if field == "mpid" else 42)
    line = json.dumps(batch)
    if field == "mpid":
        line = line.replace('"mpid": "@"', '"mpid": "\\ud83d"')
    elif field == "event_name":
        line = line.replace('"event_name": "@"', '"event_name": "\\ud83d"')
    else:
        line = line.replace('"a": "@"', '"a": "\\ud83d"')
    status, summary = forward("http://127.0.0.1:9", f"{GOOD}\n{line}\n", "--dry-run", "--external-id", "mpid")
    assert status == 1
    assert summary["rejected"] == [{"batch": "<stdin>:2", "error": f"{path}: holds a lone surrogate (\\ud83d), which is not Unicode text: Heap could not store it"}]
    assert len(summary["heap_requests"]) == 1


def test_a_document_nested_over_1024_levels_is_rejected_and_the_array_around_it_goes(heap_mock: MockClient) -> None:
    status, summary = forward(heap_mock.url, f"[{GOOD}, {DEEP}, {GOOD}]")
    assert status == 1
    assert [(entry["batch"], entry["error"][:28]) for entry in summary["rejected"]] == [("<stdin>[1]", "is nested too deeply to read")]
    assert summary["heap_events_sent"] == 2


def test_a_broken_element_of_an_array_is_rejected_alone(heap_mock: MockClient) -> None:
    status, summary = forward(heap_mock.url, f"[{GOOD},\n {{oops}},\n {GOOD.replace('good', 'good-2')}]")
    assert status == 1
    assert [entry["batch"] for entry in summary["rejected"]] == ["<stdin>[1]"]
    assert "is not valid JSON" in summary["rejected"][0]["error"]
    assert summary["heap_events_sent"] == 2


def test_an_array_that_never_closes_delivers_what_came_before_and_says_so(heap_mock: MockClient) -> None:
    status, summary = forward(heap_mock.url, f"[{GOOD}, {GOOD.replace('good', 'good-2')}, {{\"mpid\": ")
    assert status == 1
    assert summary["rejected"] == [{"batch": "<stdin>[2]", "error": "the input ends inside element 2: the array is not closed; nothing after it can be read"}]
    assert summary["heap_events_sent"] == 2


def test_an_array_missing_only_its_closing_bracket_still_delivers_its_last_batch(heap_mock: MockClient) -> None:
    status, summary = forward(heap_mock.url, f"[{GOOD},\n{GOOD.replace('good', 'good-2')}\n")
    assert status == 1
    assert summary["rejected"] == [{"batch": "<stdin>[2]", "error": "the input ends after element 1: the array is not closed (no ])"}]
    assert summary["heap_events_sent"] == 2


def test_a_line_longer_than_a_batch_can_be_is_refused_unread(heap_mock: MockClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inputs, "MAX_BATCH_BYTES", 2000)
    long_line = json.dumps(make_batch(custom("Long", custom_attributes={"pad": "x" * 5000}), source_request_id="long"))
    status, summary = forward(heap_mock.url, "\n".join([GOOD, long_line, GOOD.replace("good", "good-2")]))
    assert status == 1
    assert summary["rejected"] == [{"batch": "<stdin>:2", "error": "line 2 is longer than 2000 bytes"}]
    assert summary["heap_events_sent"] == 2


def test_a_line_too_long_inside_a_broken_first_value_is_still_reported(heap_mock: MockClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inputs, "MAX_BATCH_BYTES", 2000)
    status, summary = forward(heap_mock.url, "\n".join(['{"mpid": [', "x" * 3000, GOOD]))
    assert status == 1
    assert [entry["batch"] for entry in summary["rejected"]] == ["<stdin>:1", "<stdin>:2"]
    assert summary["rejected"][1]["error"] == "line 2 is longer than 2000 bytes"
    assert summary["heap_events_sent"] == 1


def test_a_pretty_printed_batch_then_ndjson_lines_are_all_read(heap_mock: MockClient) -> None:
    pretty = json.dumps(make_batch(custom("Pretty"), source_request_id="p"), indent=2)
    status, summary = forward(heap_mock.url, f"{pretty}\n{GOOD}\n")
    assert status == 0, summary
    assert sorted(event["event"] for event in heap_mock.events()) == ["Good", "Pretty"]


def test_ndjson_whose_first_line_is_broken_still_delivers_the_rest(heap_mock: MockClient) -> None:
    status, summary = forward(heap_mock.url, f'{{"mpid": [\n{GOOD}\n')
    assert status == 1
    assert [entry["batch"] for entry in summary["rejected"]] == ["<stdin>:1"]
    assert summary["heap_events_sent"] == 1


def test_the_summary_lists_a_bounded_number_of_rejections_and_counts_them_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "MAX_LISTED", 2)
    status, summary = forward("http://127.0.0.1:9", "\n".join([GOOD, *["{broken"] * 5]), "--dry-run")
    assert status == 1
    assert (len(summary["rejected"]), summary["rejected_count"], summary["batches"]) == (2, 5, 6)


def test_the_summary_lists_a_bounded_number_of_skip_reasons_and_failures_and_counts_them_all(
    heap_mock: MockClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "MAX_LISTED", 2)
    heap_mock.add_fault(path="/api/track", status=400, body="refused", times=3)
    batches = [make_batch(custom(f"E{n}"), {"event_type": f"unknown_{n}", "data": {}}, source_request_id=str(n)) for n in range(3)]
    status, summary = forward(heap_mock.url, "\n".join(json.dumps(batch) for batch in batches))
    assert status == 1
    assert (summary["failed"]["count"], len(summary["failed"]["requests"])) == (3, 2)
    assert summary["skipped"]["count"] == 3 and summary["skipped"]["by_reason"][cli.OTHER_REASONS] == 1


# --- NaN and Infinity: strings Heap takes, never the null it refuses --------------------------------
@pytest.mark.parametrize(("value", "text"), [(math.nan, "NaN"), (math.inf, "Infinity"), (-math.inf, "-Infinity")])
def test_nan_and_infinities_become_the_words_json_writers_use(value: float, text: str) -> None:
    assert heap_value(value) == text
    assert heap_value([1.5, value]) == f"1.5||{text}"
    assert epoch_ms(value) is None


def test_a_nan_attribute_reaches_heap_as_a_string_and_the_event_is_stored(heap_mock: MockClient) -> None:
    line = '{"source_request_id": "n", "mpid": 1, "user_identities": {"customer_id": "c"}, "events": [{"event_type": "custom_event", ' \
        '"data": {"event_name": "Measured", "timestamp_unixtime_ms": 1e999, "custom_attributes": {"ratio": NaN, "ceiling": Infinity, "floor": -Infinity}}}]}'
    status, summary = forward(heap_mock.url, line)
    assert status == 0, summary
    (event,) = heap_mock.events()
    assert {name: event["properties"][name] for name in ("ratio", "ceiling", "floor")} == {"ratio": "NaN", "ceiling": "Infinity", "floor": "-Infinity"}


def test_map_batch_refuses_what_json_cannot_carry_by_path(settings: Settings) -> None:
    batch = make_batch(custom("X"), source_request_id=None)
    batch["events"][0]["data"]["custom_attributes"] = {"deep": deep_value(300)}
    with pytest.raises(BatchRejected) as refused:
        map_batch(batch, settings)
    assert refused.value.path.startswith("$.events[0].data.custom_attributes.deep[0]")
    with pytest.raises(BatchRejected, match=r"\$\.source_request_id: holds a lone surrogate"):
        map_batch(make_batch(custom("X"), source_request_id="\ud800"), settings)
    with pytest.raises(BatchRejected, match="has a key that is not a string"):
        map_batch(make_batch(custom("X", custom_attributes={1: "one"})), settings)


def test_integers_beyond_64_bits_are_still_welcome(settings: Settings) -> None:
    mapped = map_batch(make_batch(custom("Big", custom_attributes={"n": 2**70}), source_request_id=None), settings)
    assert mapped.requests[0].body["properties"]["n"] == str(2**70)


# --- item 10: the input is read as it is needed, never whole ---------------------------------------
class CountingStream(io.RawIOBase):
    """A large input made on the fly, a few items at a time, counting how much of it was read."""

    def __init__(self, head: bytes, item: bytes, separator: bytes, tail: bytes, count: int) -> None:
        self.blocks = iter([block for block in [head, *[(item + separator) * 100] * (count // 100 - 1), (item + separator) * 99 + item + tail] if block])
        self.pending = b""
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self.pending:
            self.pending = next(self.blocks, b"")
        size = min(len(buffer), len(self.pending))
        buffer[:size], self.pending = self.pending[:size], self.pending[size:]
        self.read_bytes += size
        return size


@pytest.mark.parametrize(("head", "separator", "tail"), [(b"", b"\n", b"\n"), (b"[", b",", b"]")], ids=["ndjson", "array"])
def test_taking_a_few_batches_reads_a_bounded_part_of_a_large_input(head: bytes, separator: bytes, tail: bytes) -> None:
    raw = CountingStream(head, GOOD.encode(), separator, tail, 40_000)  # about 6 MB
    opened = inputs.Input("<big>", io.BufferedReader(raw))
    batches = opened.batches()
    taken = [next(batches) for _ in range(3)]
    assert all(item.error is None and item.batch["source_request_id"] == "good" for item in taken)
    assert raw.read_bytes < 3 * inputs.READ_CHUNK_BYTES
    assert sum(1 for _ in batches) == 40_000 - 3


def test_the_readme_states_the_limits_the_reader_and_summary_keep() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert f"longer than {inputs.MAX_BATCH_BYTES // 2**20} MiB" in readme
    assert f"at most {cli.MAX_LISTED:,}" in readme
