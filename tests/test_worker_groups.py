"""`make test` runs the browser tests on one xdist worker and the wheel's on one (`--dist loadgroup`
and the groups tests/conftest.py gives them), so Chromium starts once and the wheel is built once."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.conftest import fixture_group, grouped_id, worker_group


def test_every_collected_test_has_its_own_id(request: pytest.FixtureRequest) -> None:
    # xdist's loadgroup scheduler keys its work by ID: of tests that share one, it runs only the first.
    ids = Counter(item.nodeid for item in request.session.items)
    assert [nodeid for nodeid, count in ids.items() if count > 1] == []


def test_every_test_that_uses_chromium_or_the_wheel_is_marked_with_its_group(request: pytest.FixtureRequest) -> None:
    grouped = [(item, group) for item in request.session.items if (group := fixture_group(item)) is not None]
    marks = {item.nodeid: [mark.args for mark in item.iter_markers("xdist_group")] for item, _ in grouped}
    assert all(marks[item.nodeid] == [(group,)] for item, group in grouped), marks


def test_on_a_loadgroup_worker_the_controller_is_told_each_group(request: pytest.FixtureRequest) -> None:
    # What reaches xdist's scheduler: the ID with its group, which pytest-xdist 3.8 fails to set under
    # pytest 9.2 (tests/conftest.py sets it). Under plain `pytest` there is no controller to tell.
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not an xdist worker under --dist loadgroup (make test runs it on one)")
    wrong = [item.nodeid for item in request.session.items if (group := worker_group(item)) and not item.nodeid.endswith(f"@{group}")]
    assert wrong == []


@pytest.mark.parametrize(
    ("nodeid", "expected"),
    [
        ("tests/console/test_a.py::test_b", "tests/console/test_a.py::test_b@browser"),
        ("tests/front/test_a.py::test_b[urls]", "tests/front/test_a.py::test_b[urls]@browser"),
        ("tests/console/test_a.py::test_b@browser", "tests/console/test_a.py::test_b@browser"),
    ],
)
def test_the_group_is_appended_once(nodeid: str, expected: str) -> None:
    assert grouped_id(nodeid, "browser") == expected
