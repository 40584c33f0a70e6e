"""The OpenAPI description and the server agree, checked by schemathesis over real HTTP.

schemathesis generates requests from `/openapi.json`, valid ones (which must be accepted) and
invalid ones (which must be refused), and checks every answer against the description: status,
content type, headers and body schema. The simulator is reset after each request that can change
it, and before each test, so no fault or clock change made by one generated request (or left by an
earlier test on the same xdist worker) colours the next. `make test` runs a bounded
number of examples per operation; `make fuzz` runs many more.
"""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import settings
from schemathesis import GenerationMode

from heap_mock.docs.openapi import openapi_document
from heap_mock.server import HeapMockServer
from tests.conftest import LONG_RUN, examples

schema = schemathesis.openapi.from_dict(openapi_document())
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
# The coverage phase builds its cases while pytest collects, in every xdist worker: about 15 s of
# CPU each, a quarter of `make test`'s budget. `make fuzz` runs it; `make test` keeps the
# generated examples (positive and negative) of every operation.
schema.config.phases.coverage.enabled = LONG_RUN


@pytest.fixture
def fresh(heap_mock_server: HeapMockServer) -> None:
    """The session's simulator as a new one: the tests before this one on its worker may have left faults."""
    requests.post(f"{heap_mock_server.url}/_mock/reset", timeout=10)


@pytest.mark.generated
@schema.parametrize()
@settings(max_examples=examples(5))
def test_the_server_answers_as_its_description_says(case: schemathesis.Case, heap_mock_server: HeapMockServer, fresh: None) -> None:
    try:
        case.call_and_validate(base_url=heap_mock_server.url, timeout=10)
    finally:
        if case.method.upper() != "GET":
            requests.post(f"{heap_mock_server.url}/_mock/reset", timeout=10)
