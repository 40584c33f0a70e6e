"""The front's Flask app: mParticle's ingestion paths, thin views over `Front`, and its own pages.

Routes (S5 for the Events API; the web SDK's `constants.ts` for its paths):

  POST /v2/events, /v2/bulkevents                      Events API (server SDKs), HTTP Basic key:secret
  POST /v3/JS/<key>/events, /webevents/v3/JS/<key>/events   web SDK batches (per-service URLs; CNAME `domain`)
  POST /v1/{identify,login,logout}, /v1/<mpid>/modify  web SDK identity (per-service URL)
  POST /identity/v1/{identify,login,logout}, /identity/v1/<mpid>/modify   the same under a CNAME
  GET  /_front/lineage, /_front/api/...                 the front's own lineage page and read API

Only the web SDK paths answer CORS, so a page on another local origin can send to them. The
front's own `/_front/` paths answer only requests addressed to a loopback host name (against DNS
rebinding) and, for writes, only from the front's own origin (against cross-site requests).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
from flask import Blueprint, Flask, request, send_from_directory
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.exceptions import MethodNotAllowed as WerkzeugMethodNotAllowed
from werkzeug.wrappers import Response

from forwarder.front import identity, payloads
from forwarder.front.errors import BadRequest, BodyTooLarge, CrossSiteRefused, FrontError, MethodNotAllowed, NotFound
from forwarder.front.front import LINEAGE_HEADER, LINEAGE_PAGE, Front

MAX_BODY_BYTES = 8 * 1024 * 1024
STATIC_DIR = Path(__file__).resolve().parent / "static"
EXTENSION_KEY = "heap_forward_front"
WEB_SDK_PREFIXES = ("/v3/JS/", "/webevents/v3/JS/", "/v1/", "/identity/v1/")
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

error_log = logging.getLogger("forwarder.front")
ingest = Blueprint("ingest", __name__)
own = Blueprint("own", __name__, url_prefix="/_front")


def create_front_app(front: Front) -> Flask:
    """The WSGI app for `front`."""
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.extensions[EXTENSION_KEY] = front
    app.register_blueprint(ingest)
    app.register_blueprint(own)
    app.add_url_rule("/", "root", lambda: Response(status=302, headers={"Location": LINEAGE_PAGE}))
    app.before_request(_guard)
    app.after_request(_add_cors)
    app.register_error_handler(FrontError, _render_error)
    app.register_error_handler(HTTPException, _render_http_error)
    app.register_error_handler(Exception, _render_unexpected)
    return app


def _front() -> Front:
    from flask import current_app

    front: Front = current_app.extensions[EXTENSION_KEY]
    return front


def _json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(payload), status=status, mimetype="application/json", headers=headers)


def _accepted(batch_ids: list[int]) -> Response:
    """202 with an empty body, as mParticle answers; the lineage link rides in a header."""
    front = _front()
    return Response(b"", status=202, headers={LINEAGE_HEADER: f"{front.public_url}{LINEAGE_PAGE}#batch-{batch_ids[0]}"})


# --- Events API (server SDKs) ---------------------------------------------------------------------
def _events_api_key() -> str:
    options = _front().options
    key, secret = payloads.basic_credentials(request.headers.get("Authorization"))
    payloads.check_key(key, options.api_key, where="HTTP Basic user")
    payloads.check_secret(secret, options.api_secret)
    return key


@ingest.post("/v2/events")
def events() -> Response:
    _events_api_key()
    return _accepted(_front().accept(request.path, "events_api", request.get_data, _body_length(), bulk=False))


@ingest.post("/v2/bulkevents")
def bulk_events() -> Response:
    _events_api_key()
    return _accepted(_front().accept(request.path, "events_api", request.get_data, _body_length(), bulk=True))


# --- the web SDK ----------------------------------------------------------------------------------
@ingest.post("/v3/JS/<key>/events")
@ingest.post("/webevents/v3/JS/<key>/events")
def web_events(key: str) -> Response:
    payloads.check_key(key, _front().options.api_key, where="the API key in the path")
    return _accepted(_front().accept(request.path, "web_sdk", request.get_data, _body_length(), bulk=False))


@ingest.post("/v1/<any(identify, login, logout):method>")
@ingest.post("/identity/v1/<any(identify, login, logout):method>")
def web_identity(method: str) -> Response:
    payloads.check_key(request.headers.get("x-mp-key"), _front().options.api_key, where="the x-mp-key header")
    return _json(identity.identity_answer(payloads.parse_json(request.get_data())))


@ingest.post("/v1/<mpid>/modify")
@ingest.post("/identity/v1/<mpid>/modify")
def web_modify(mpid: str) -> Response:
    payloads.check_key(request.headers.get("x-mp-key"), _front().options.api_key, where="the x-mp-key header")
    return _json(identity.modify_answer(mpid, payloads.parse_json(request.get_data())))


def _body_length() -> int:
    """The bytes the body will take once read: its Content-Length, or the most the front reads."""
    length = request.content_length
    return MAX_BODY_BYTES if length is None else min(length, MAX_BODY_BYTES)


def is_web_sdk_path(path: str) -> bool:
    return path.startswith(WEB_SDK_PREFIXES)


def _is_identity_path(path: str) -> bool:
    return path.startswith(("/v1/", "/identity/v1/"))


def _add_cors(response: Response) -> Response:
    """CORS for the web SDK's paths only: any origin may send, without credentials, as to mParticle."""
    if is_web_sdk_path(request.path):
        response.headers["Access-Control-Allow-Origin"] = request.headers.get("Origin") or "*"
        response.headers["Access-Control-Expose-Headers"] = LINEAGE_HEADER
        response.headers["Vary"] = "Origin"
    return response


def _preflight() -> Response:
    return Response(
        status=204,
        headers={
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type, x-mp-key, Accept",
            "Access-Control-Max-Age": "600",
        },
    )


# --- guards and errors ----------------------------------------------------------------------------
def _guard() -> Response | None:
    """Preflights for the web SDK; host and origin checks for the front's own paths."""
    path = request.path
    if request.method == "OPTIONS" and is_web_sdk_path(path):
        return _preflight()
    if path.startswith("/_front") or path == "/":
        _check_own_request()
    return None


def _check_own_request() -> None:
    host = (urlsplit("//" + request.host).hostname or "").lower()
    if host not in LOOPBACK_HOSTS and host != _bound_host():
        raise CrossSiteRefused(f"requests to the front's own pages must address it by a loopback name, not {host[:80]!r}")
    if request.method in ("GET", "HEAD"):
        return
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != request.host:
        raise CrossSiteRefused("a cross-site request to the front's control paths")
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        raise CrossSiteRefused("a cross-site request to the front's control paths")


def _bound_host() -> str:
    return (urlsplit(_front().public_url).hostname or "").lower()


def _render_error(error: FrontError) -> Response:
    if request.path.startswith(("/v2/", "/v3/", "/webevents/", "/v1/", "/identity/")) and error.status != 429:
        _front().refuse(request.path, "web_sdk" if is_web_sdk_path(request.path) else "events_api", error)
    body = error.to_json()
    if _is_identity_path(request.path):
        body = {"Errors": body["errors"]}  # the web SDK reads `Errors` on identity answers (identityApiClient.ts)
    return _json(body, error.status, error.headers())


def _render_http_error(error: HTTPException) -> Response:
    if isinstance(error, WerkzeugMethodNotAllowed):
        allowed = sorted(error.valid_methods or [])
        return _render_error(
            MethodNotAllowed(f"{request.method} is not allowed on {request.path}; use {', '.join(allowed)}", allowed)
        )
    if isinstance(error, RequestEntityTooLarge):
        return _render_error(BodyTooLarge(f"the body is over the limit of {MAX_BODY_BYTES} bytes"))
    if error.code == 404:
        return _render_error(NotFound(f"no such endpoint: {request.method} {request.path}"))
    return _render_error(BadRequest(error.description or error.name))


def _render_unexpected(error: Exception) -> Response:
    error_log.exception("unexpected error on %s %s", request.method, request.path)
    return _json({"errors": [{"code": "INTERNAL", "message": f"{type(error).__name__} in heap-forward serve; see its log"}]}, 500)


# --- the front's own pages and read API -----------------------------------------------------------
def _page_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@own.get("/lineage")
def lineage_page() -> Response:
    return _page_headers(send_from_directory(STATIC_DIR, "lineage.html", max_age=0))


@own.get("/static/<name>")
def static_file(name: str) -> Response:
    return _page_headers(send_from_directory(STATIC_DIR, name, max_age=0))


@own.get("/api/status")
def status() -> Response:
    front = _front()
    return _json(
        {
            "heap_url": front.options.heap_url,
            "settings": front.settings.__dict__,
            "queue": {"depth": front.queue.depth(), "capacity": front.queue.capacity},
            "lineage": front.lineage.counts(),
            "recording": front.recorder.status(),
        }
    )


@own.get("/api/batches")
def batches() -> Response:
    limit = request.args.get("limit", "100")
    if not limit.isdigit():
        raise BadRequest("limit must be a whole number", path="limit")
    front = _front()
    return _json({"batches": front.lineage.batches(min(int(limit), 1000)), "counts": front.lineage.counts()})


@own.get("/api/batches/<int:batch_id>")
def batch(batch_id: int) -> Response:
    found = _front().lineage.batch(batch_id)
    if found is None:
        raise NotFound(f"no batch {batch_id} in the lineage (it keeps the newest {_front().lineage.max_batches})")
    return _json(found)


@own.post("/api/recording")
def recording() -> Response:
    body = request.get_json(silent=True)
    if not request.is_json or not isinstance(body, dict) or not isinstance(body.get("recording"), bool):
        raise BadRequest('send JSON {"recording": true|false}', path="$.recording")
    front = _front()
    front.recorder.set_recording(body["recording"])
    return _json(front.recorder.status())
