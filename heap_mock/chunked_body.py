"""Reading a chunked request body (no Content-Length) so that one cut short is never taken as whole.

WSGI hands a chunked body over as a stream that ends where the body ends (`wsgi.input_terminated`).
A client can break it off: a chunk shorter than it declared, or no final zero-size chunk, then a
half-close. waitress never passes such a request on. granian does, and its sized reads
(`read(n)`) give whatever bytes arrived without any sign of the break, so a cut body whose bytes
happen to be valid JSON was stored as if whole. granian's unsized `read()`, which gathers the
whole body, does notice the break: it answers with no bytes at all. So under granian the body
is read that way, and an empty chunked body is refused as incomplete (a Heap request always has
a body; granian gives no way to tell an empty one from a broken one). The size limit is then
checked once the body is in: granian offers no bounded read that reports a break.
"""

from __future__ import annotations

from typing import Any

from heap_mock.errors import BodyIncomplete, BodyTooLarge


def reads_whole_or_nothing(stream: Any) -> bool:
    """Whether the stream is granian's, whose unsized read answers b"" for a body that broke off."""
    return type(stream).__module__.startswith("granian")


def read_chunked(stream: Any, limit: int) -> bytes:
    """The whole chunked body; BodyIncomplete if it broke off, BodyTooLarge past `limit` bytes."""
    body: bytes = stream.read() if reads_whole_or_nothing(stream) else stream.read(limit + 1)
    if not body and reads_whole_or_nothing(stream):
        raise BodyIncomplete("the chunked request body was empty or broke off before its final zero-size chunk")
    if len(body) > limit:
        raise BodyTooLarge(f"request body is over the limit of {limit} bytes")
    return body
