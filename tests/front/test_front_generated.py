"""Generated hostile uploads to every path of heap-forward serve, over real HTTP (issue 18).

Whatever arrives on whichever path: never a 5xx or a traceback, a refusal in the shape of the API
it came to, and afterwards the lineage API (`/_front/api/batches`, which the lineage page reads)
and the status API still answer, every time.
"""

from __future__ import annotations

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import examples
from tests.front.conftest import AUTH, FrontUnderTest
from tests.strategies.front import QUERY_VALUES, upload

PATHS = {
    "/v2/events": "batch",
    "/v2/bulkevents": "bulk",
    "/v3/JS/web-key/events": "batch",
    "/webevents/v3/JS/web-key/events": "batch",
    "/v1/identify": "identity",
    "/v1/login": "identity",
    "/identity/v1/logout": "identity",
    "/v1/42/modify": "identity",
    "/identity/v1/42/modify": "identity",
}
CONTENT_TYPES = ["application/json", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded"]


def lineage_still_renders(front: FrontUnderTest) -> None:
    for path in ("/_front/api/batches", "/_front/api/status"):
        answer = front.http.get(front.url + path, timeout=10)
        assert answer.status_code == 200, (path, answer.text)
        answer.json()


@pytest.mark.generated
@pytest.mark.parametrize("path", list(PATHS))
@settings(max_examples=examples(10))
@given(data=st.data())
def test_a_hostile_upload_is_answered_cleanly_and_breaks_no_later_read(front: FrontUnderTest, path: str, data: st.DataObject) -> None:
    body = data.draw(upload(PATHS[path]), label="body")
    content_type = data.draw(st.sampled_from(CONTENT_TYPES), label="content type")
    headers = {"Content-Type": content_type, "x-mp-key": "web-key", "Origin": "http://localhost:9"}
    answer = front.http.post(front.url + path, data=body, headers=headers, auth=AUTH, timeout=10)
    assert answer.status_code < 500 and "Traceback" not in answer.text, answer.text
    if answer.status_code >= 400:
        key = "Errors" if "/v1/" in path else "errors"
        assert answer.json()[key][0]["message"], answer.text
    lineage_still_renders(front)


@pytest.mark.generated
@settings(max_examples=examples(20))
@given(limit=QUERY_VALUES)
def test_any_batches_limit_is_read_or_refused_with_400(front: FrontUnderTest, limit: str) -> None:
    answer = requests.get(f"{front.url}/_front/api/batches", params={"limit": limit}, timeout=10)
    if limit.isascii() and limit.isdigit() and len(limit) <= 18 and int(limit) <= 1000:
        assert answer.status_code == 200, answer.text
    else:
        assert (answer.status_code, answer.json()["rule_id"]) == (400, "query.parameter"), answer.text
