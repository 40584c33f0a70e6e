"""The one body reader and JSON parser, for Heap's endpoints and the control plane alike."""

from __future__ import annotations

from typing import Any

import orjson

from heap_mock.errors import BodyIncomplete, BodyTooLarge


class NotJSON(ValueError):
    """A body that is empty or not JSON; the caller words it for its audience (a 400 either way)."""


def content_length(environ: dict[str, Any]) -> int | None:
    value = environ.get("CONTENT_LENGTH")
    if not value:
        return None
    try:
        return max(int(value), 0)
    except ValueError:
        return None


def read_body(environ: dict[str, Any], limit: int) -> bytes:
    """The whole body, refused with 413 past `limit` bytes before any of it is read where possible."""
    length = content_length(environ)
    stream = environ["wsgi.input"]
    if length is not None:
        if length > limit:
            raise BodyTooLarge(f"request body of {length} bytes is over the limit of {limit} bytes")
        body: bytes = stream.read(length) if length else b""
        if len(body) < length:  # the client closed early: a cut body must not pass for a whole one
            raise BodyIncomplete(f"request body ended after {len(body)} of the {length} bytes its Content-Length promised")
        return body
    if not environ.get("wsgi.input_terminated"):
        return b""  # no length and no end marker: WSGI says there is no body to read
    body = stream.read(limit + 1)
    if len(body) > limit:
        raise BodyTooLarge(f"request body is over the limit of {limit} bytes")
    return body


def parse_json(raw: bytes) -> Any:
    """The body parsed as JSON, or NotJSON saying why not ("empty" for a blank body)."""
    if not raw.strip():
        raise NotJSON("empty")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise NotJSON(str(error)) from None
