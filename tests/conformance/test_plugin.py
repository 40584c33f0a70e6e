"""The pytest plugin as a user's own test suite sees it: the `heap_conformance` fixture and
`fixture_ids()` for deterministic parametrize, under xdist."""

from __future__ import annotations

import pytest

from conformance.pytest_plugin import fixture_ids

pytest_plugins = ["pytester"]

USER_TESTS = '''
import pytest
from conformance.pytest_plugin import fixture_ids

def forward_nothing(batch, target):
    return True

@pytest.mark.parametrize("fixture_id", ["sessions", "screen_views"])
def test_ours(heap_conformance, fixture_id):
    heap_conformance.assert_conforms(fixture_id)

def test_a_forwarder_that_sends_nothing(heap_conformance):
    heap_conformance.assert_conforms("sessions", forwarder=forward_nothing, rules=["MAP-SESSION"])

def test_ids():
    assert fixture_ids() == sorted(fixture_ids()) and "sessions" in fixture_ids()
'''


def test_a_users_suite_runs_conformance_through_the_plugin(pytester: pytest.Pytester) -> None:
    """One pytest run of a user's tests, the plugin found through its entry point, in this process (the
    wheel's test runs the plugin in a process of its own, from an installed wheel); xdist itself is
    covered by this suite running under -n."""
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-v", "-rf")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*test_user.py::test_ours[[]sessions] PASSED*", "*test_user.py::test_ours[[]screen_views] PASSED*"])
    result.stdout.fnmatch_lines([
        "*[[]CAUSE 1] fixture sessions, batch 0: batch 0 produced no Heap event at all*", "*fails: MAP-SESSION*",
        "*the simulator received no request at all*", "*[[]FAIL] MAP-SESSION*", "*2 failure(s) part of cause(s) 1 above*",
    ])  # fmt: skip


def test_fixture_ids_are_the_fixture_file_names_in_order() -> None:
    ids = fixture_ids()
    assert ids == sorted(ids) and ids[0] == "burst_bulk_app" and "web_client_side" in ids
