"""The one body reader and JSON parser, for Heap's endpoints and the control plane alike.

A chunked body (no Content-Length) must never be taken as whole when it was cut short. WSGI hands
it over as a stream that ends where the body ends (`wsgi.input_terminated`). A client can break it
off: a chunk shorter than it declared, or no final zero-size chunk, then a half-close. waitress
never passes such a request on. granian does, and its sized reads (`read(n)`) give whatever bytes
arrived without any sign of the break, so a cut body whose bytes happen to be valid JSON was
stored as if whole. granian's unsized `read()`, which gathers the whole body, does notice the
break: it answers with no bytes at all. So under granian the body is read that way, and an empty
chunked body is refused as incomplete (a Heap request always has a body; granian gives no way to
tell an empty one from a broken one). The size limit is then checked once the body is in: granian
offers no bounded read that reports a break.
"""

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
    return read_chunked(stream, limit)


def reads_whole_or_nothing(stream: Any) -> bool:
    """Whether the stream is granian's, whose unsized read answers b"" for a body that broke off."""
    return type(stream).__module__.startswith("granian")


def read_chunked(stream: Any, limit: int) -> bytes:
    """The whole chunked body; BodyIncomplete if it broke off, BodyTooLarge past `limit` bytes."""
    whole_or_nothing = reads_whole_or_nothing(stream)
    body: bytes = stream.read() if whole_or_nothing else stream.read(limit + 1)
    if not body and whole_or_nothing:
        raise BodyIncomplete("the chunked request body was empty or broke off before its final zero-size chunk")
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
