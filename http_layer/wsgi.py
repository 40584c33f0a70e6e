"""The WSGI adapter: a site served by a WSGI server (waitress, or any WSGI test client).

Requests arrive on the server's threads with their bodies already buffered (waitress reads every
body before a thread sees the request), so this adapter does everything in the calling thread:
read the body, wait out a delay, run the view, answer.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from http_layer.answers import Answer, status_line
from http_layer.bodies import read_wsgi_body
from http_layer.errors import HttpError
from http_layer.request import Request, from_latin1, normal_path
from http_layer.site import Site

if TYPE_CHECKING:
    from werkzeug.test import Client as TestClient

__all__ = ["StartResponse", "TestClient", "WSGIApp", "request_of", "send", "shut_socket", "test_client", "wsgi_app"]

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def request_of(environ: dict[str, Any]) -> Request:
    """The request's head as plain data, names lower-cased, values decoded from PEP 3333's latin-1."""
    headers = {key[5:].replace("_", "-").lower(): from_latin1(value) for key, value in environ.items() if key.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    protocol = str(environ.get("SERVER_PROTOCOL") or "HTTP/1.1")
    return Request(
        method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
        path=normal_path(from_latin1(environ.get("PATH_INFO") or "/")),
        query=from_latin1(environ.get("QUERY_STRING") or ""),
        headers=headers,
        http_version=protocol.partition("/")[2] or "1.1",
        scheme=str(environ.get("wsgi.url_scheme") or "http"),
        native=environ,
    )


def wsgi_app(site: Site) -> WSGIApp:
    """The WSGI callable that serves `site`."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = request_of(environ)
        handling = site.begin(request)
        answer = handling.answer
        if answer is None:
            try:
                request.body = read_wsgi_body(environ, request.headers, handling.body_limit)
                delay = handling.delay_s(request)
                if delay > 0:
                    site.delays.wait(delay)
            except HttpError as error:
                answer = handling.refuse(error)
            else:
                answer = handling.respond(request)
        handling.finish(answer)
        return send(answer, start_response, environ, head_only=request.method == "HEAD")

    return app


def send(answer: Answer, start_response: StartResponse, environ: dict[str, Any], *, head_only: bool = False) -> Iterable[bytes]:
    """Start the WSGI response and return its body (none for HEAD); a dropped answer closes the socket first."""
    if answer.dropped:
        if shut_socket(environ):  # nothing more reaches the client: promise nothing, so the server has nothing to complain of
            answer = answer._replace(body=b"", dropped=False)
        start_response(status_line(answer.status), answer.header_list())
        return iter([b""])  # an iterator, which a server streams as is (a list it would size itself)
    start_response(status_line(answer.status), answer.header_list())
    if answer.stream is not None:
        return [b""] if head_only else answer.stream
    return [b""] if head_only else [answer.body]


def shut_socket(environ: dict[str, Any]) -> bool:
    """Under waitress, close the client's socket before any answer, as a dropped connection does.

    waitress exposes its channel only through this bound method; other WSGI servers get the
    fallback: an answer that promises more bytes than it sends, so the connection breaks mid-answer.
    """
    probe = environ.get("waitress.client_disconnected")
    channel = getattr(probe, "__self__", None)
    sock = getattr(channel, "socket", None)
    if sock is None:
        return False
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    return True


def test_client(site: Site) -> TestClient:
    """werkzeug's test client over the site's WSGI callable: in-process requests, no socket.
    (Imported here: it costs a server's start 23 ms, and only tests use it.)"""
    from werkzeug.test import Client

    return Client(wsgi_app(site))
