"""Generated hostile bodies (tests/strategies/hostile.py) to every Heap endpoint, over real HTTP.

Whatever arrives: never a 5xx or a traceback, nothing stored by a refused request, a 400 lists one
violation per line, and the inspection API keeps answering.
"""

from __future__ import annotations

import base64

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from heap_mock.testing import MockClient
from tests.conftest import examples
from tests.strategies.hostile import VALID_BODIES, hostile_body

STORE_COUNTS = ("events", "users", "accounts")


def bearer(url: str) -> str:
    basic = "Basic " + base64.b64encode(b"11:secret").decode()
    token = requests.post(f"{url}/api/public/v0/auth_token", headers={"Authorization": basic}, timeout=10).json()["access_token"]
    return f"Bearer {token}"


def stored(client: MockClient) -> tuple[int, ...]:
    counts = client.health()["counts"]
    return tuple(counts[name] for name in STORE_COUNTS)


@pytest.mark.generated
@pytest.mark.parametrize("path", list(VALID_BODIES))
@settings(max_examples=examples(15))
@given(data=st.data())
def test_a_hostile_body_is_answered_cleanly_and_stores_nothing_when_refused(
    heap_mock: MockClient, path: str, data: st.DataObject
) -> None:
    body = data.draw(hostile_body(path), label="body")
    headers = {"Content-Type": "application/json"}
    if "deletion" in path:
        headers["Authorization"] = bearer(heap_mock.url)
    before = stored(heap_mock)
    answer = requests.post(f"{heap_mock.url}{path}", data=body, headers=headers, timeout=10)
    assert answer.status_code < 500, answer.text
    assert "Traceback" not in answer.text
    if answer.status_code >= 400:
        assert stored(heap_mock) == before, "a refused request stored something"
    if answer.status_code == 400 and answer.headers["Content-Type"].startswith("text/plain"):
        lines = answer.text.splitlines()
        assert lines and all(line.startswith(("postBody", "... and ")) for line in lines), lines
    assert requests.get(f"{heap_mock.url}/_mock/requests", params={"limit": 3, "order": "desc"}, timeout=10).status_code == 200
    assert requests.get(f"{heap_mock.url}/_mock/events", params={"limit": 3}, timeout=10).status_code == 200
