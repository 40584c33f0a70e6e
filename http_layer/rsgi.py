"""The RSGI adapter: a site served by granian's native interface, on an asyncio event loop.

Why RSGI rather than WSGI under granian: granian hands a WSGI request to a thread as soon as its
headers arrive, and the thread then blocks reading the body, so two clients that stall mid-body
held both request threads and the control plane froze with them. Here a request waits for its
body as a suspended coroutine, holding no thread (and is answered 408 once it has been silent for
the site's idle timeout), and a delay fault waits the same way. Views that may run long (the
control plane's pages over a million events) run on a small thread pool, so Heap's endpoints,
which run inline on the loop and cost microseconds, are never queued behind them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from http_layer.answers import Answer
from http_layer.bodies import StallWatch, read_rsgi_body
from http_layer.errors import HttpError
from http_layer.request import Request, normal_path
from http_layer.site import Site

RSGIApp = Callable[[Any, Any], Awaitable[None]]
error_log = logging.getLogger("http_layer")


def request_of(scope: Any) -> Request:
    """The request's head as plain data (granian gives header names lower-cased already)."""
    return Request(
        method=scope.method.upper(),
        path=normal_path(scope.path),  # granian decodes it as UTF-8 already
        query=scope.query_string,
        headers=scope.headers,  # granian's own mapping, read with .get() alone: no copy per request
        http_version=scope.http_version,
        scheme=scope.scheme,
    )


def rsgi_app(site: Site, pool: ThreadPoolExecutor) -> RSGIApp:
    """The RSGI callable that serves `site`; long views run on `pool`."""

    watch = StallWatch(site.idle_timeout_s)

    async def app(scope: Any, protocol: Any) -> None:
        if scope.proto != "http":
            return  # websockets: no route of ours speaks them
        request = request_of(scope)
        handling = site.begin(request)
        answer = handling.answer
        if answer is None:
            try:
                request.body = await read_rsgi_body(protocol, request.headers, handling.body_limit, watch)
                delay = handling.delay_s(request)
                if delay > 0:
                    await site.delays.wait_async(delay)
            except HttpError as error:
                answer = handling.refuse(error)
            else:
                answer = await _run(handling, request, pool) if handling.blocking else handling.respond(request)
        handling.finish(answer)
        if answer.dropped:
            await drop(protocol, answer)
        elif answer.stream is not None and request.method != "HEAD":
            await stream(protocol, answer, pool)
        else:
            send(protocol, answer, head_only=request.method == "HEAD")

    return app


async def _run(handling: Any, request: Request, pool: ThreadPoolExecutor) -> Answer:
    answer: Answer = await asyncio.get_running_loop().run_in_executor(pool, handling.respond, request)
    return answer


def send(protocol: Any, answer: Answer, *, head_only: bool = False) -> None:
    """Send the answer whole (granian sends it on its own threads; nothing to wait for here)."""
    try:
        protocol.response_bytes(answer.status, answer.header_list(), b"" if head_only else answer.body)
    except Exception as error:  # the client went away first: nothing to answer, nothing to raise
        error_log.debug("answer not delivered: %s", error)


async def stream(protocol: Any, answer: Answer, pool: ThreadPoolExecutor) -> None:
    """A streamed answer: each chunk is made on `pool` (making it may take long) and sent from the loop."""
    loop = asyncio.get_running_loop()
    chunks = iter(answer.stream or ())
    try:
        transport = protocol.response_stream(answer.status, answer.header_list())
        while (chunk := await loop.run_in_executor(pool, next, chunks, None)) is not None:
            await transport.send_bytes(chunk)
    except Exception as error:  # the client went away mid-answer: stop making chunks for nobody
        error_log.debug("streamed answer cut short: %s", error)


async def drop(protocol: Any, answer: Answer) -> None:
    """A dropped answer: its headers promise bytes that never come, so the client sees the connection break."""
    try:
        transport = protocol.response_stream(answer.status, answer.header_list())
        await transport.send_bytes(answer.body[:1] or b" ")
    except Exception as error:
        error_log.debug("dropped answer not delivered: %s", error)
