"""The ceilings the simulator is measured against, each answering a single-track POST with `{}`.

`app` is a bare Flask endpoint that parses the JSON body and nothing more: the issue's reference
ceiling. `wsgi_app` does the same work with no framework at all, so it shows what the WSGI server
itself can carry. `rsgi_app` does it on granian's RSGI interface, which `heap-mock serve` uses (a
request waits for its body holding no thread), and `rsgi_app_unread` answers without reading the
body, so the two show what awaiting the body costs on that interface.
"""

import json
from collections.abc import Iterable
from typing import Any

from flask import Flask, request

app = Flask(__name__)


@app.post("/api/track")
def track() -> tuple[str, int, dict[str, str]]:
    request.get_json(force=True)
    return "{}", 200, {"Content-Type": "application/json"}


def wsgi_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    json.loads(body)
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
    return [b"{}"]


async def rsgi_app(scope: Any, protocol: Any) -> None:
    json.loads(await protocol())
    protocol.response_bytes(200, [("content-type", "application/json")], b"{}")


async def rsgi_app_unread(scope: Any, protocol: Any) -> None:
    protocol.response_bytes(200, [("content-type", "application/json")], b"{}")
