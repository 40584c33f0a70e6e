"""Property-based tests of the forwarder (issue 11): whatever batch arrives, mapping ends in requests
or a named rejection, never an exception; every event is accounted for; what goes to Heap is JSON
Heap takes. Bounded for `make test`; `make fuzz` (HEAP_SIM_FUZZ_EXAMPLES) runs longer.
"""

from __future__ import annotations

import io
import json
import math
import random
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forwarder import BatchRejected, Forwarder, MappingResult, Settings, cli, map_batch
from forwarder.json_stream import ArraySplitter
from forwarder.mapping import heap_events_bound
from forwarder.values import cut
from forwarder.virtual_time import SimulatorTime
from heap_mock.pytest_plugin import HEAP_MOCK_EPOCH
from heap_mock.server import HeapMockServer
from heap_mock.testing import MockClient
from tests.conftest import LONG_EXAMPLES, examples
from tests.forwarder.strategies import HOSTILE_BATCHES, JSON_VALUES, VALID_ISH_BATCHES, json_text

pytestmark = pytest.mark.generated

DEFAULT_EXAMPLES = 60
EXAMPLES = examples(DEFAULT_EXAMPLES)
BOUNDED = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
SETTINGS = st.builds(
    Settings,
    app_id=st.just("11"),
    external_id=st.sampled_from(["mpid", "customer_id"]),
    forward_user_attributes=st.booleans(),
    forward_web_requests_server_side=st.booleans(),
)
LONGEST_VALUE = len(cut("x" * 100_000))


def map_or_reject(batch: Any, mapping_settings: Settings) -> MappingResult | None:
    try:
        return map_batch(batch, mapping_settings)
    except BatchRejected as rejected:
        assert rejected.path.startswith("$") and rejected.problem
        return None


def assert_heap_takes(value: Any) -> None:
    """A property value as Heap documents them: a string no longer than the cut, or a finite number."""
    if isinstance(value, str):
        assert len(value) <= LONGEST_VALUE
        value.encode("utf-8")  # no lone surrogate
    else:
        assert type(value) in (int, float) and math.isfinite(value), value


@BOUNDED
@given(batch=HOSTILE_BATCHES, mapping_settings=SETTINGS)
def test_every_batch_maps_or_is_rejected_by_name_and_every_event_is_accounted_for(batch: Any, mapping_settings: Settings) -> None:
    mapped = map_or_reject(batch, mapping_settings)
    if mapped is None:
        return
    events = batch.get("events") or []
    assert mapped.events_in == len(events)
    skipped = [skip.index for skip in mapped.skipped if skip.index is not None]
    assert len(skipped) == len(set(skipped)) and all(0 <= index < len(events) for index in skipped)
    sent = mapped.events_in - len(skipped)
    has_commerce = any(str(event["event_type"]).strip().lower() == "commerce_event" for event in events)
    # Each event not skipped is one Heap event, or (commerce) one or more.
    assert mapped.heap_events >= sent if has_commerce else mapped.heap_events == sent
    # What the front judges an upload by, before mapping it, is never less than what the mapping makes.
    for index, event in enumerate(events):
        made = sum(request.heap_events for request in mapped.requests if request.event_index == index)
        assert made <= heap_events_bound(event)
    for request in mapped.requests:
        assert orjson.loads(orjson.dumps(request.body)) == request.body  # strict JSON: no NaN turned null
        for event in request.body.get("events", [request.body]):
            for value in event.get("properties", {}).values():
                assert_heap_takes(value)
    assert map_batch(batch, mapping_settings) == mapped  # deterministic, idempotency keys and all


@BOUNDED
@given(batches=st.lists(HOSTILE_BATCHES, max_size=5), broken=st.lists(st.sampled_from(["{oops", "[" * 1500, "{\"mpid\": NaN"]), max_size=2),
       shape=st.sampled_from(["ndjson", "pretty", "array"]), rng=st.randoms())
def test_the_cli_accounts_for_every_batch_of_any_input_without_a_traceback(
    batches: list[Any], broken: list[str], shape: str, rng: random.Random
) -> None:
    texts = [json_text(batch) for batch in batches] + broken
    rng.shuffle(texts)
    if shape != "array" and (not texts or not texts[0].startswith("{")):
        texts.insert(0, "{}")  # a first line that is not an object reads as an array or as no batches at all
    if shape == "pretty" and texts[0] not in broken:  # a first batch over several lines, then one a line
        texts[0] = json.dumps(json.loads(texts[0]), indent=2, allow_nan=True)
    data = "[" + ",\n".join(texts) + "]" if shape == "array" else "\n".join(texts)
    out, err = io.StringIO(), io.StringIO()
    status = cli.main(["--heap-url", "http://127.0.0.1:9", "--app-id", "11", "--dry-run", "-"], stdin=io.BytesIO(data.encode()), stdout=out, stderr=err)
    if status == 2:  # only an input that is one broken value is unusable as a whole
        assert shape != "array" and texts[0] in broken and len(texts) == 1 and err.getvalue().startswith("heap-forward: error: ")
        return
    summary = json.loads(out.getvalue())
    assert status == (1 if summary["rejected_count"] else 0) and err.getvalue() == ""
    if shape == "array" and summary["batches"] < len(texts):  # unbalanced brackets leave no boundary to find after them
        assert summary["rejected"][-1]["error"].endswith("nothing after it can be read")
    else:
        assert summary["batches"] == len(texts) and summary["rejected_count"] >= len(broken)


@BOUNDED
@given(values=st.lists(JSON_VALUES, max_size=6), cuts=st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=8))
def test_an_array_reads_the_same_however_its_bytes_arrive(values: list[Any], cuts: list[int]) -> None:
    text = json.dumps(values, allow_nan=True, indent=1 if len(cuts) % 2 else None)
    splitter, read, at = ArraySplitter(10**6), [], 0
    for size in cuts * (len(text) // sum(cuts) + 1):
        read += splitter.feed(text[at : at + size])
        at += size
    splitter.close()
    assert [json.dumps(element.value) for element in read] == [json.dumps(value) for value in values]


@pytest.fixture(scope="module")
def simulator(heap_mock_server: HeapMockServer) -> MockClient:
    return MockClient(heap_mock_server.url)


@settings(max_examples=max(EXAMPLES // 4, 10), deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches=st.lists(VALID_ISH_BATCHES, min_size=1, max_size=4))
def test_delivered_plus_failed_is_every_event_mapped_and_the_simulator_stores_each_once(simulator: MockClient, batches: list[dict[str, Any]]) -> None:
    simulator.reset()
    simulator.set_clock(HEAP_MOCK_EPOCH)
    time = SimulatorTime(simulator.url)
    forwarder = Forwarder(Settings(app_id="11"), simulator.url, clock=time, rng=random.Random(0))
    stored_keys: set[str] = set()
    for batch in batches:
        result = forwarder.forward(batch)
        mapped = map_or_reject(batch, forwarder.settings)
        if mapped is None:
            assert result.rejected is not None
            continue
        assert (result.events_in, result.skipped) == (mapped.events_in, mapped.skipped)
        failed = [failure.request for failure in result.failed]
        assert result.heap_events_delivered + sum(request.heap_events for request in failed) == mapped.heap_events
        delivered = [request for request in mapped.requests if request not in failed]
        stored_keys |= {event["idempotency_key"] for request in delivered for event in request.body.get("events", [request.body])}
    assert len(simulator.events()) == len(stored_keys)


def test_the_readme_states_how_many_examples_each_run_takes() -> None:
    root = Path(__file__).parents[2]
    readme = " ".join((root / "README.md").read_text().split())
    assert f"({DEFAULT_EXAMPLES} for each forwarder property)" in readme
    assert f"`make fuzz` runs them long and freshly random, {LONG_EXAMPLES:,} per test" in readme
