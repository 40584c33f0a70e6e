"""Our own forwarder against every fixture: every rule the fixture exercises passes, and the Heap
requests it makes match the golden file (one test per fixture, IDs from the fixture file names)."""

from __future__ import annotations

import pytest

from conformance.pytest_plugin import ConformanceHarness, fixture_ids


@pytest.mark.parametrize("fixture_id", fixture_ids())
def test_our_forwarder_conforms(heap_conformance: ConformanceHarness, fixture_id: str) -> None:
    outcome = heap_conformance.assert_conforms(fixture_id)
    assert outcome.checks, "the fixture judged no rule"
    assert all(check.exercised for check in outcome.checks), [check.rule_id for check in outcome.checks if not check.exercised]
    assert outcome.golden is not None and outcome.golden.matched
