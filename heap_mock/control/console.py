"""The web console at `/`, its static assets under `/_mock/console/`, and `GET /openapi.json`.

The console is plain HTML, CSS and JavaScript shipped in `heap_mock/static/`: no build step and
no CDN, so it works offline. It reads everything through the `/_mock/` API like any other client.
Every page answer carries the HTTP layer's page headers (`http_layer.origin_policy.PAGE_HEADERS`):
a strict content security policy among them.
"""

from __future__ import annotations

from pathlib import Path

from heap_mock.docs.openapi import openapi_document
from heap_mock.simulator import Call
from http_layer.answers import Answer, file_answer, json_answer
from http_layer.errors import RouteNotFound
from http_layer.look import LOOK_DIR, SHARED_FILES

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
ASSET_PREFIX = "/_mock/console"


def index(call: Call) -> Answer:
    return _file("index.html", STATIC_DIR)


def asset(call: Call) -> Answer:
    """A file of the console (script, style sheet) from heap_mock/static, or one of the look's
    shared files (http_layer/look_static: the style sheet and icon heap-forward serve's pages use too)."""
    name = call.params["name"]
    return _file(name, LOOK_DIR if name in SHARED_FILES else STATIC_DIR)


def openapi(call: Call) -> Answer:
    return json_answer(openapi_document(call.sim.config.fidelity_mode))


def _file(name: str, folder: Path) -> Answer:
    answer = file_answer(folder, name)
    if answer is None:
        raise RouteNotFound(f"no console file {name[:80]!r}")
    return answer
