"""The ceilings the simulator is measured against, each answering a single-track POST with `{}`.

`app` is a bare Flask endpoint that parses the JSON body and nothing more: the issue's reference
ceiling. `wsgi_app` does the same work with no framework at all, so it shows what the WSGI server
itself can carry; the simulator's Heap endpoints sit between the two (see heap_mock/ingress.py).
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
