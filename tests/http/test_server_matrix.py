"""Both servers the simulator runs on answer the same odd requests the same way (issue 17).

granian (the default) and waitress (`--server waitress`) get every method on Heap's paths, on
unknown paths and on the simulator's own pages, requests with no body, HTTP/1.0 without a Host,
`Expect: 100-continue`, chunked bodies whole, empty and cut short, and Content-Lengths that are
not numbers. Their answers must agree: status, Allow, content type and body, and what each
journaled. The one place they may differ is the body of a refusal the server itself makes before
the simulator sees the request (a Content-Length that is not a whole number): the status agrees
and neither journals it.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from heap_mock.routes import ROUTES
from heap_mock.server import HeapMockServer
from heap_mock.testing import MockClient
from tests.http.raw import RawAnswer, exchange, request

METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "TRACE", "OPTIONS")
HEAP_PATHS = sorted({route.template.replace("{deletion_id}", "abc") for route in ROUTES if route.family == "heap"})
PATHS = [*HEAP_PATHS, "/api/nope", "/nope", "/favicon.ico", "/_mock/health", "/_mock/faults", "/_mock/nope", "/"]
TRACK = b'{"app_id":"11","identity":"a","event":"E"}'
BASIC = "Basic " + base64.b64encode(b"11:key").decode()
JSON = {"Content-Type": "application/json"}
ODD: dict[str, bytes] = {
    "no body on track": request("POST", "/api/track"),
    "empty body on track": request("POST", "/api/track", body=b"", headers=JSON),
    "auth token, Basic and no body, as Heap's docs show it": request("POST", "/api/public/v0/auth_token", headers={"Authorization": BASIC}),
    "a fault with no body": request("POST", "/_mock/faults"),
    "HTTP/1.0 without Host, control plane": b"GET /_mock/health HTTP/1.0\r\n\r\n",
    "HTTP/1.0 without Host, track": b"POST /api/track HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(TRACK), TRACK),
    "Expect: 100-continue": request("POST", "/api/track", body=TRACK, headers={**JSON, "Expect": "100-continue"}),
    "chunked, whole": request("POST", "/api/track", body=b"%x\r\n%s\r\n0\r\n\r\n" % (len(TRACK), TRACK), headers={**JSON, "Transfer-Encoding": "chunked"}),
    "chunked, only the final chunk": request("POST", "/api/track", body=b"0\r\n\r\n", headers={**JSON, "Transfer-Encoding": "chunked"}),
    "GET with a chunked empty body": request("GET", "/_mock/health", body=b"0\r\n\r\n", headers={"Transfer-Encoding": "chunked"}),
}
SERVER_REFUSED: dict[str, bytes] = {
    "Content-Length: -1": request("POST", "/api/track", body=TRACK, headers={**JSON, "Content-Length": "-1"}),
    "Content-Length: abc": request("POST", "/api/track", body=TRACK, headers={**JSON, "Content-Length": "abc"}),
}
CUT: dict[str, bytes] = {
    "a chunk shorter than declared": request("POST", "/api/track", body=b"%x\r\n%s" % (len(TRACK) + 20, TRACK), headers={**JSON, "Transfer-Encoding": "chunked"}),
    "no final chunk": request("POST", "/api/track", body=b"%x\r\n%s\r\n" % (len(TRACK), TRACK), headers={**JSON, "Transfer-Encoding": "chunked"}),
    "shorter than its Content-Length": request("POST", "/api/track", body=TRACK, headers={**JSON, "Content-Length": str(len(TRACK) + 9)}),
}


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, HeapMockServer]]:
    with HeapMockServer({"log_requests": False}) as granian, HeapMockServer({"log_requests": False}, server="waitress") as waitress:
        yield {"granian": granian, "waitress": waitress}


@pytest.fixture
def both(servers: dict[str, HeapMockServer]) -> dict[str, HeapMockServer]:
    for server in servers.values():
        MockClient(server.url).reset()
    return servers


def seen(answer: RawAnswer) -> tuple[Any, ...]:
    """What a client sees of an answer, with the one random value (a token) blanked."""
    body: Any = answer.body
    if answer.headers.get("content-type") == "application/json" and body:
        body = orjson.loads(body)
        if isinstance(body, dict) and "access_token" in body:
            body["access_token"] = "<token>"
    return answer.status, answer.headers.get("allow"), answer.headers.get("content-type"), body


def journal(server: HeapMockServer) -> list[tuple[Any, ...]]:
    return [(entry["method"], entry["path"], entry["status"], entry["rule_id"]) for entry in MockClient(server.url).requests()]


def send_to_both(both: dict[str, HeapMockServer], data: bytes, **options: Any) -> dict[str, RawAnswer]:
    return {name: exchange(server.port, data, **options) for name, server in both.items()}


@pytest.mark.parametrize("path", PATHS)
def test_every_method_on_every_path_is_answered_alike(both: dict[str, HeapMockServer], path: str) -> None:
    for method in METHODS:
        answers = send_to_both(both, request(method, path))
        assert seen(answers["granian"]) == seen(answers["waitress"]), (method, path)
        assert answers["granian"].status < 500 and b"body.incomplete" not in answers["granian"].body, (method, path)
    assert journal(both["granian"]) == journal(both["waitress"])


@pytest.mark.parametrize("case", list(ODD))
def test_odd_requests_are_answered_alike(both: dict[str, HeapMockServer], case: str) -> None:
    answers = send_to_both(both, ODD[case])
    assert seen(answers["granian"]) == seen(answers["waitress"])
    assert answers["granian"].status < 500
    assert journal(both["granian"]) == journal(both["waitress"])


def test_bodiless_requests_are_never_taken_for_broken_bodies(both: dict[str, HeapMockServer]) -> None:
    # Issue 17: granian marked every request's stream as terminated, so a GET was read as a chunked
    # body that broke off, and Heap's deletion API could not be used at all.
    for case in ("no body on track", "auth token, Basic and no body, as Heap's docs show it", "a fault with no body", "GET with a chunked empty body"):
        answer = exchange(both["granian"].port, ODD[case])
        assert b"body.incomplete" not in answer.body, case
    assert exchange(both["granian"].port, ODD["auth token, Basic and no body, as Heap's docs show it"]).status == 200


@pytest.mark.parametrize("case", list(SERVER_REFUSED))
def test_a_length_the_server_refuses_is_400_under_both_and_journaled_by_neither(both: dict[str, HeapMockServer], case: str) -> None:
    answers = send_to_both(both, SERVER_REFUSED[case])
    assert answers["granian"].status == answers["waitress"].status == 400
    assert journal(both["granian"]) == journal(both["waitress"]) == []


@pytest.mark.parametrize("case", list(CUT))
def test_a_body_cut_short_is_refused_alike_and_stores_nothing(both: dict[str, HeapMockServer], case: str) -> None:
    answers = send_to_both(both, CUT[case], half_close=True)
    for name, answer in answers.items():
        assert answer.status in (0, 400), (name, answer)  # 0: the server closed without a word, as waitress may
        if answer.status:
            assert b"body.incomplete" in answer.body
        assert MockClient(both[name].url).events() == []
