"""A raw HTTP/1.x exchange over a socket, for requests no client library will send as asked
(no Host, a negative Content-Length, a chunked body cut short)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RawAnswer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # names lower-cased
    body: bytes = b""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def exchange(port: int, data: bytes, *, timeout: float = 10.0, half_close: bool = False) -> RawAnswer:
    """Send `data` as is, read until the server closes, and parse the last answer (after any 100 Continue)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return parse(received)


def parse(received: bytes) -> RawAnswer:
    head, _, body = received.partition(b"\r\n\r\n")
    while head.startswith(b"HTTP/1.1 100"):
        head, _, body = body.partition(b"\r\n\r\n")
    if not head:
        return RawAnswer(0)
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return RawAnswer(int(status_line.split()[1]), headers, body)


def request(method: str, path: str, *, body: bytes | None = None, version: str = "1.1", headers: dict[str, str] | None = None) -> bytes:
    """A request's bytes; HTTP/1.1 ones ask the server to close after answering, so reading ends."""
    lines = [f"{method} {path} HTTP/{version}"]
    sent = {"Host": "127.0.0.1", "Connection": "close"} if version == "1.1" else {}
    sent.update(headers or {})
    if body is not None and "Transfer-Encoding" not in sent and "Content-Length" not in sent:
        sent["Content-Length"] = str(len(body))
    lines += [f"{name}: {value}" for name, value in sent.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")
