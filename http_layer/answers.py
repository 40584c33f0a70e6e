"""An answer as plain data (status, body, content type, headers), built by views and sent by the adapters.

No framework Response object: the simulator's Heap endpoints answer thousands of requests a second,
and a tuple costs nothing to build. One shape for every answer keeps every error rendered the same
way wherever it was raised.
"""

from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus
from pathlib import Path
from typing import Any, NamedTuple

import orjson

Headers = tuple[tuple[str, str], ...]
TEXT = "text/plain; charset=utf-8"
JSON = "application/json"
BODILESS_STATUSES = frozenset({204, 304})  # HTTP forbids a body on these answers


class Answer(NamedTuple):
    status: int
    body: bytes
    content_type: str
    headers: Headers = ()
    # Drop the connection instead of answering whole: the status line and headers promise
    # `DROPPED_PROMISE` bytes that never come (a fault that imitates a server dying mid-answer).
    dropped: bool = False
    # A body too large to build at once (a whole session's export), sent chunk by chunk as it is
    # made; `body` is then empty and no Content-Length is sent.
    stream: Iterable[bytes] | None = None

    def with_headers(self, *extra: tuple[str, str]) -> Answer:
        return self._replace(headers=(*self.headers, *extra))

    def header_list(self) -> list[tuple[str, str]]:
        """Every header to send, Content-Type and Content-Length first."""
        if self.status in BODILESS_STATUSES:
            return list(self.headers)
        if self.stream is not None:
            return [("Content-Type", self.content_type), *self.headers]
        length = DROPPED_PROMISE if self.dropped else len(self.body)
        return [("Content-Type", self.content_type), ("Content-Length", str(length)), *self.headers]


DROPPED_PROMISE = 4096


def json_answer(payload: Any, status: int = 200, headers: Headers = ()) -> Answer:
    return Answer(status, orjson.dumps(payload), JSON, headers)


def stream_answer(chunks: Iterable[bytes], content_type: str, headers: Headers = ()) -> Answer:
    """An answer whose body is sent chunk by chunk as `chunks` makes it."""
    return Answer(200, b"", content_type, headers, stream=chunks)


def text_answer(text: str, status: int = 200, headers: Headers = ()) -> Answer:
    return Answer(status, text.encode(), TEXT, headers)


def empty_answer(status: int, headers: Headers = ()) -> Answer:
    return Answer(status, b"", TEXT, headers)


_MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".json": JSON, ".png": "image/png", ".svg": "image/svg+xml", ".ico": "image/x-icon", ".txt": TEXT,
}  # fmt: skip


def file_answer(folder: Path, name: str, headers: Headers = ()) -> Answer | None:
    """A file shipped in `folder` (a page, script or style sheet), or None for a name that is not one there.

    Only files of a known type, named by plain parts (`js/main.js`): no empty, dot or dot-dot part
    and no backslash, so no request can reach outside the folder. Never cached, so a page always
    matches the server that serves it.
    """
    media_type = _MEDIA_TYPES.get(Path(name).suffix)
    parts = name.split("/")
    if media_type is None or "\\" in name or not name.isprintable() or any(not part or part.startswith(".") for part in parts):
        return None
    path = folder.joinpath(*parts)
    if not path.is_file():
        return None
    return Answer(200, path.read_bytes(), media_type, (("Cache-Control", "no-store"), *headers))


_STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


def status_line(code: int) -> str:
    """`200 OK`; a code with no registered reason (fault rules may pick any 100..599) gets `Unknown`."""
    return _STATUS_LINES.get(code) or f"{code} Unknown"


def reason(code: int) -> str:
    """The reason phrase alone: `Not Found`."""
    return status_line(code).partition(" ")[2]
