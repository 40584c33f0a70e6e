"""The one body reader: how long a body is, when it is too long, cut short or stalled.

The rules, the same under both servers:
- A body is framed by `Content-Length` or by `Transfer-Encoding: chunked`; a request with neither
  has no body (RFC 9112 §6.3). Whether a request is chunked is read from that header, never from
  the server's stream (granian marks every WSGI stream as terminated, which once made every
  bodiless GET a broken chunked body).
- A `Content-Length` that is not a whole number is refused (`body.length`), and one over the
  site's limit is refused before any of the body is read (`body.size`, 413). A chunked body is
  refused as soon as it passes the limit, so no request holds more than the limit in memory.
- A body that ends before its length, or a chunked body whose client went away before its final
  chunk, is incomplete (`body.incomplete`): never taken for a whole one.
- Under granian a client that stops sending mid-body is answered 408 (`body.timeout`) once it has
  been silent for the idle timeout; it holds no thread meanwhile (`http_layer.rsgi`). waitress reads
  every body before a thread sees the request, and closes silent connections itself.

`read_wsgi_body` and `read_rsgi_body` apply these rules to each server's stream. Pure but for the
stream they are handed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from http_layer.errors import BadLength, BodyIncomplete, BodyTimeout, BodyTooLarge

DEFAULT_IDLE_TIMEOUT_S = 10.0
# Bodies of a known length up to this size (nearly every Heap request) are read in one call, which
# costs a fraction of reading chunk by chunk; larger ones and chunked ones are read chunk by chunk,
# each chunk within the idle timeout, so a slow but steady client of a large body is never cut off.
WHOLE_READ_BYTES = 64 * 1024


def declared_length(headers: Mapping[str, str]) -> int | None:
    """The Content-Length, None when there is none; BadLength when it is not a whole number."""
    value = headers.get("content-length")
    if value is None:
        return None
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise BadLength(f"Content-Length should be a whole number of bytes, got {value[:40]!r}")
    return int(text)


def is_chunked(headers: Mapping[str, str]) -> bool:
    return "chunked" in (headers.get("transfer-encoding") or "").lower()


def has_body(headers: Mapping[str, str]) -> bool:
    """Whether the request says it carries a body (a length above zero, or chunked framing)."""
    value = (headers.get("content-length") or "").strip()
    return is_chunked(headers) or (value not in ("", "0"))


def check_declared(headers: Mapping[str, str], limit: int) -> int | None:
    """The declared length, refused with 413 before any byte is read when it is over `limit`."""
    length = declared_length(headers)
    if length is not None and length > limit:
        raise BodyTooLarge(f"request body of {length} bytes is over the limit of {limit} bytes")
    return length


def too_large(limit: int) -> BodyTooLarge:
    return BodyTooLarge(f"request body is over the limit of {limit} bytes")


def cut_short(received: int, length: int) -> BodyIncomplete:
    return BodyIncomplete(f"request body ended after {received} of the {length} bytes its Content-Length promised")


def broken_chunks() -> BodyIncomplete:
    return BodyIncomplete("the chunked request body broke off before its final zero-size chunk")


def read_wsgi_body(environ: dict[str, Any], headers: Mapping[str, str], limit: int) -> bytes:
    """The whole body from a WSGI stream, by the rules above."""
    length = check_declared(headers, limit)
    stream = environ["wsgi.input"]
    if length is not None:
        body: bytes = stream.read(length) if length else b""
        if len(body) < length:
            raise cut_short(len(body), length)
        return body
    if not is_chunked(headers):
        return b""
    body = stream.read(limit + 1)  # waitress hands over a chunked body only once it is whole
    if len(body) > limit:
        raise too_large(limit)
    return body


class StallWatch:
    """Ends body reads that have waited longer than the idle timeout, from one timer per event loop.

    `asyncio.timeout()` around every read cost 6 µs a request, a tenth of a track request's time;
    here a read costs a dict entry, and a timer that ticks while reads are waiting cancels those past
    their deadline (the read then raises BodyTimeout).
    """

    def __init__(self, idle_timeout_s: float) -> None:
        self.idle_timeout_s = idle_timeout_s
        self._deadlines: dict[asyncio.Task[Any], float] = {}
        self._expired: set[asyncio.Task[Any]] = set()
        self._ticking = False
        self._loop: asyncio.AbstractEventLoop | None = None

    def begin(self) -> asyncio.Task[Any]:
        loop = self._loop or self._first_loop()
        task = asyncio.current_task(loop)
        assert task is not None
        self._deadlines[task] = loop.time() + self.idle_timeout_s
        if not self._ticking:
            self._ticking = True
            loop.call_later(self._tick_s(), self._tick, loop)
        return task

    def _first_loop(self) -> asyncio.AbstractEventLoop:
        self._loop = asyncio.get_running_loop()  # one watch serves one site on one loop
        return self._loop

    def end(self, task: asyncio.Task[Any]) -> None:
        self._deadlines.pop(task, None)

    def timed_out(self, task: asyncio.Task[Any]) -> bool:
        """Whether `task` was cancelled by this watch (and if so, forget that it was: it goes on to answer 408)."""
        if task not in self._expired:
            return False
        self._expired.discard(task)
        task.uncancel()
        return True

    def _tick_s(self) -> float:
        return min(max(self.idle_timeout_s / 4, 0.01), 1.0)

    def _tick(self, loop: asyncio.AbstractEventLoop) -> None:
        now = loop.time()
        for task, deadline in list(self._deadlines.items()):
            if deadline <= now:
                del self._deadlines[task]
                self._expired.add(task)
                task.cancel()
        if self._deadlines:
            loop.call_later(self._tick_s(), self._tick, loop)
        else:
            self._ticking = False


async def read_rsgi_body(protocol: Any, headers: Mapping[str, str], limit: int, watch: StallWatch) -> bytes:
    """The whole body from granian's RSGI protocol, waiting without a thread, by the rules above.

    granian's body stream (`RSGIHTTPProtocol.__anext__`, 2.8) yields each chunk, then one empty
    chunk at the end, then stops. A body that broke off (the client closed mid-chunk) shows only as
    an empty chunk that is *not* followed by the stop: the break is turned into empty bytes. So an
    empty chunk is checked by asking for one more: the stop means whole, anything else means cut.
    """
    declared = headers.get("content-length")
    if declared is not None and declared.isascii() and declared.isdigit() and len(declared) < 6 and (small := int(declared)) <= min(limit, WHOLE_READ_BYTES):
        return await _read_whole(protocol, small, watch) if small else b""  # the common case, checked in one line
    length = check_declared(headers, limit)
    if length == 0 or (length is None and not is_chunked(headers)):
        return b""
    if length is not None and length <= WHOLE_READ_BYTES:
        return await _read_whole(protocol, length, watch)
    chunks: list[bytes] = []
    received = 0
    stream = protocol.__aiter__()
    while True:
        chunk = await _next_chunk(stream, watch, received)
        if chunk is None:
            break
        if not chunk:
            if await _next_chunk(stream, watch, received) is None:
                break
            raise cut_short(received, length) if length is not None else broken_chunks()
        received += len(chunk)
        if received > limit:
            raise too_large(limit)
        chunks.append(chunk)
    if length is not None and received < length:
        raise cut_short(received, length)
    return b"".join(chunks)


async def _read_whole(protocol: Any, length: int, watch: StallWatch) -> bytes:
    """A small body of known length in one read: granian collects it and reports a break as an error."""
    task = watch.begin()
    try:
        body: bytes = await protocol()
    except asyncio.CancelledError:
        if watch.timed_out(task):
            raise stalled(watch, 0) from None
        raise
    except Exception:  # granian's RSGIProtocolClosed: the client went away mid-body
        raise BodyIncomplete(f"request body ended before the {length} bytes its Content-Length promised") from None
    finally:
        watch.end(task)
    if len(body) < length:
        raise cut_short(len(body), length)
    return body


async def _next_chunk(stream: Any, watch: StallWatch, received: int) -> bytes | None:
    """The next chunk, None at the end; BodyTimeout when the client stays silent too long."""
    task = watch.begin()
    try:
        chunk: bytes = await stream.__anext__()
    except StopAsyncIteration:
        return None
    except asyncio.CancelledError:
        if watch.timed_out(task):
            raise stalled(watch, received) from None
        raise
    finally:
        watch.end(task)
    return chunk


def stalled(watch: StallWatch, received: int) -> BodyTimeout:
    return BodyTimeout(f"the client sent no more of the body for {watch.idle_timeout_s:g} s (after {received} bytes)")
