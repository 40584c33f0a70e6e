"""The pytest plugin as a user's own test suite sees it: the `heap_conformance` fixture and
`fixture_ids()` for deterministic parametrize, under xdist."""

from __future__ import annotations

import pytest

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
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "-q", "-rf")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*[[]FAIL] MAP-SESSION*", "*expected: exactly 1 Heap event at 2025-06-01T12:06:41.000Z*", "*received: no Heap event*", "*the simulator received no request at all*"])


def test_parametrized_ids_are_the_fixture_names(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_ids="from conformance.pytest_plugin import fixture_ids\nimport pytest\n@pytest.mark.parametrize('f', fixture_ids())\ndef test_x(f): pass\n")
    result = pytester.runpytest_subprocess("--collect-only", "-q")
    result.stdout.fnmatch_lines(["test_ids.py::test_x[burst_bulk_app]", "test_ids.py::test_x[web_client_side]"])
