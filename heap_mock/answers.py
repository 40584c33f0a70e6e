"""An answer as plain data (status, body bytes, content type, headers), and how to send it.

Heap's endpoints answer through the WSGI front door (`heap_mock.ingress`) without a framework
Response object; the control plane wraps the same data in a werkzeug Response. One shape for
both keeps every error rendered the same way wherever it is raised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import orjson
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Response

StartResponse = Callable[..., Any]
Headers = tuple[tuple[str, str], ...]


class Answer(NamedTuple):
    status: int
    body: bytes
    content_type: str
    headers: Headers = ()

    def send(self, start_response: StartResponse, *, head_only: bool = False) -> Iterable[bytes]:
        """Start the WSGI response and return its body (none for a HEAD request)."""
        headers = [("Content-Type", self.content_type), ("Content-Length", str(len(self.body))), *self.headers]
        start_response(status_line(self.status), headers)
        return [b""] if head_only else [self.body]

    def to_response(self) -> Response:
        response = Response(self.body, status=self.status, content_type=self.content_type)
        response.headers.extend(self.headers)
        return response


def json_answer(payload: Any, status: int = 200, headers: Headers = ()) -> Answer:
    return Answer(status, orjson.dumps(payload), "application/json", headers)


def text_answer(text: str, status: int = 200, headers: Headers = ()) -> Answer:
    return Answer(status, text.encode(), "text/plain; charset=utf-8", headers)


_STATUS_LINES = {code: f"{code} {reason}" for code, reason in HTTP_STATUS_CODES.items()}


def status_line(code: int) -> str:
    """`200 OK`; a code with no registered reason (fault rules may pick any 100..599) gets `Unknown`."""
    return _STATUS_LINES.get(code) or f"{code} Unknown"
