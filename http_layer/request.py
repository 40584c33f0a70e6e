"""A request as plain data, the same whichever server received it.

Each adapter (`http_layer.wsgi`, `http_layer.rsgi`) builds a `Request` from what its server hands
over: header names lower-cased, the path decoded as UTF-8 (PEP 3333 passes it as latin-1), the
query string kept raw for `http_layer.params`. The body is filled in once the layer has read it,
so a view never reads from a socket.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Request:
    method: str
    path: str
    query: str = ""
    # Names lower-cased. Read with `.get()` only (`header`, `host`): under granian this is its own
    # header mapping, which offers `get`, `keys`, `items` and `in`, not indexing.
    headers: Mapping[str, str] = field(default_factory=dict)
    http_version: str = "1.1"
    scheme: str = "http"
    body: bytes = b""
    # The server's own view of the request (the WSGI environ under waitress), for the one thing
    # the layer cannot do through plain data: dropping the connection (`http_layer.wsgi`).
    native: Any = None

    def header(self, name: str) -> str | None:
        """A header's value by name, any casing; None when it was not sent."""
        return self.headers.get(name.lower())

    @property
    def host(self) -> str | None:
        """The Host header; None when absent or empty (HTTP/1.0 clients may send none)."""
        return self.headers.get("host") or None

    def base_url(self) -> str:
        """`http://host:port` as the client addressed us, for URLs handed back to it."""
        return f"{self.scheme}://{self.host or 'localhost'}"


def from_latin1(value: str) -> str:
    """A WSGI string (PEP 3333 passes bytes as latin-1) as the UTF-8 text it carries."""
    return value if value.isascii() else value.encode("latin-1", "replace").decode("utf-8", "replace")


def normal_path(path: str) -> str:
    """A decoded path with exactly one leading slash (`//x` and `x` both become `/x`)."""
    if not path:
        return "/"
    return path if path.startswith("/") and not path.startswith("//") else "/" + path.lstrip("/")
