"""The web console at `/`, its static assets under `/_mock/console/`, and `GET /openapi.json`.

The console is plain HTML, CSS and JavaScript shipped in `heap_mock/static/`: no build step and
no CDN, so it works offline. It reads everything through the `/_mock/` API like any other client.
"""

from __future__ import annotations

from pathlib import Path

from flask import send_from_directory
from werkzeug.wrappers import Response

from heap_facts.look import LOOK_DIR, SHARED_FILES
from heap_mock.answers import Answer, json_answer
from heap_mock.openapi import openapi_document

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
ASSET_PREFIX = "/_mock/console"

# The console renders received text with textContent only; this policy is a second line of
# defence: no inline script, nothing from another origin, no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

def index() -> Response:
    response = send_from_directory(STATIC_DIR, "index.html", max_age=0)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def asset(name: str) -> Response:
    """A file of the console (script, style sheet) from heap_mock/static, or one of the look's
    shared files (heap_facts/static: the style sheet and icon heap-forward serve's pages use too)."""
    return send_from_directory(LOOK_DIR if name in SHARED_FILES else STATIC_DIR, name, max_age=0)


def openapi() -> Answer:
    return json_answer(openapi_document())
