"""The front as a site of the HTTP layer: mParticle's ingestion paths, thin views over `Front`, its own pages.

Routes (S5 for the Events API; the web SDK's `constants.ts` for its paths):

  POST /v2/events, /v2/bulkevents                      Events API (server SDKs), HTTP Basic key:secret
  POST /v3/JS/{key}/events, /webevents/v3/JS/{key}/events   web SDK batches (per-service URLs; CNAME `domain`)
  POST /v1/{identify,login,logout}, /v1/{mpid}/modify  web SDK identity (per-service URL)
  POST /identity/v1/...                                the same under a CNAME
  GET  /_front/pipeline, /_front/api/...               the front's own pipeline view and its API
  GET  /_front/lineage                                 the pipeline view's old address (a redirect)

mParticle's paths answer in mParticle's error shape (`forwarder.front.errors`), identity calls
with the `Errors` key the web SDK reads; only the web SDK's paths answer CORS, so a page on another
local origin can send to them. The front's own `/_front/` paths are guarded by the HTTP layer's
origin policy, as the simulator's `/_mock/` is (a loopback or IP Host against DNS rebinding; writes
only from the front's own origin and only as JSON), and answer errors in the control planes' one
shape. Bodies, JSON, query parameters and routing are the layer's: one behaviour on both servers.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from forwarder.front import identity, payloads
from forwarder.front.admission import Reservation
from forwarder.front.errors import BadRequest, from_http_error
from forwarder.front.front import LINEAGE_PAGE, PIPELINE_PAGE, Front
from forwarder.front.pipeline_view import settings_json
from heap_facts import fields
from heap_facts.fields import FieldError
from heap_facts.names import MPID
from heap_facts.wire import LINEAGE_HEADER
from http_layer.access_log import SERVER_FLUSH_EVERY_S, AccessLog
from http_layer.answers import Answer, empty_answer, file_answer, json_answer
from http_layer.bodies import declared_length
from http_layer.delays import DelayRoom
from http_layer.errors import HttpError, MethodNotAllowed, RouteNotFound, control_answer, internal_error_answer
from http_layer.json_body import parse_json
from http_layer.look import LOOK_DIR, SHARED_FILES
from http_layer.origin_policy import PAGE_HEADERS, HostAllowList, is_ip_address, refusal
from http_layer.params import QueryArgs
from http_layer.request import Request
from http_layer.routing import Match, Route, Router

MAX_BODY_BYTES = 8 * 1024 * 1024
STATIC_DIR = Path(__file__).resolve().parent / "static"
EVENTS_API, WEB_SDK, IDENTITY, OWN, UNKNOWN = "events_api", "web_sdk", "identity", "own", "unknown"
UPLOAD_FAMILIES = frozenset({EVENTS_API, WEB_SDK})  # their routes hand batches to Front.accept
CORS_FAMILIES = frozenset({WEB_SDK, IDENTITY})
INGEST_FAMILIES = frozenset({EVENTS_API, WEB_SDK, IDENTITY})
IDENTITY_METHODS = "{method:identify|login|logout}"
MAX_BATCHES_PAGE = 1000

error_log = logging.getLogger("forwarder.front")


class FrontCall:
    """What a view sees: the front, the request (body read by the layer), the path's parameters, and
    for an upload its reservation in the front's read budget (taken before the body was read)."""

    __slots__ = ("front", "held", "params", "request")

    def __init__(self, front: Front, request: Request, params: dict[str, str], held: Reservation | None = None) -> None:
        self.front, self.request, self.params, self.held = front, request, params, held

    def accept(self, client: str, *, bulk: bool = False) -> Answer:
        """Hand the upload to the front, answer 202 with the link to its lineage."""
        assert self.held is not None, "an upload route holds a reservation"
        batch_ids = self.front.accept(self.request.path, client, self.request.body, self.held, bulk=bulk)
        return empty_answer(202, ((LINEAGE_HEADER, f"{self.front.public_url}{PIPELINE_PAGE}#batch-{batch_ids[0]}"),))


def _json(call: FrontCall) -> Any:
    return payloads.parse_body(call.request.body)


# --- Events API (server SDKs) ---------------------------------------------------------------------
def _events_api_key(call: FrontCall) -> str:
    options = call.front.options
    key, secret = payloads.basic_credentials(call.request.header("Authorization"))
    payloads.check_key(key, options.api_key, where="HTTP Basic user")
    payloads.check_secret(secret, options.api_secret)
    return key


def events(call: FrontCall) -> Answer:
    _events_api_key(call)
    return call.accept(EVENTS_API)


def bulk_events(call: FrontCall) -> Answer:
    _events_api_key(call)
    return call.accept(EVENTS_API, bulk=True)


# --- the web SDK ----------------------------------------------------------------------------------
def web_events(call: FrontCall) -> Answer:
    payloads.check_key(call.params["key"], call.front.options.api_key, where="the API key in the path")
    return call.accept(WEB_SDK)


def web_identity(call: FrontCall) -> Answer:
    payloads.check_key(call.request.header("x-mp-key"), call.front.options.api_key, where="the x-mp-key header")
    return json_answer(identity.identity_answer(_json(call)))


def web_modify(call: FrontCall) -> Answer:
    payloads.check_key(call.request.header("x-mp-key"), call.front.options.api_key, where="the x-mp-key header")
    return json_answer(identity.modify_answer(call.params[MPID], _json(call)))


# --- the front's own pages and API ----------------------------------------------------------------
def root(call: FrontCall) -> Answer:
    return empty_answer(302, (("Location", PIPELINE_PAGE),))


def pipeline_page(call: FrontCall) -> Answer:
    return _static("pipeline.html")


def lineage_page(call: FrontCall) -> Answer:
    """The page's old address: links people kept (and lineage already stored) still arrive."""
    return empty_answer(302, (("Location", PIPELINE_PAGE),))


def static_file(call: FrontCall) -> Answer:
    """The page's own files, and the look it shares with the simulator's console (http_layer/look_static)."""
    return _static(call.params["name"])


def _static(name: str) -> Answer:
    answer = file_answer(LOOK_DIR if name in SHARED_FILES else STATIC_DIR, name)
    if answer is None:
        raise RouteNotFound(f"no file {name[:80]!r} on the front's pages")
    return answer


def status(call: FrontCall) -> Answer:
    front = call.front
    context = front.view_context()
    return json_answer(
        {
            "heap_url": front.options.heap_url,
            "console_url": context.console_url,
            "settings": front.settings.__dict__,
            "setting_changes": settings_json(context),
            "queue": {"depth": front.queue.depth(), "capacity": front.queue.capacity},
            "lineage": front.lineage.counts(),
            "recording": front.recorder.status(),
        }
    )


def batches(call: FrontCall) -> Answer:
    limit = QueryArgs(call.request.query).whole_number("limit", 100, maximum=MAX_BATCHES_PAGE) or 0
    front = call.front
    return json_answer({"batches": front.lineage.batches(limit), "counts": front.lineage.counts()})


def batch(call: FrontCall) -> Answer:
    batch_id = call.params["batch_id"]
    found = call.front.pipeline(int(batch_id)) if batch_id.isascii() and batch_id.isdigit() and len(batch_id) <= 18 else None
    if found is None:
        raise RouteNotFound(f"no batch {batch_id[:40]!r} in the lineage (it keeps the newest {call.front.lineage.max_batches})")
    return json_answer(found)


def recording(call: FrontCall) -> Answer:
    """Start or stop recording: a JSON body `{"recording": true|false}`, checked by heap_facts.fields."""
    body = fields.json_object(parse_json(call.request.body) if call.request.body.strip() else None, "body")
    fields.known_fields(body, "body", ("recording",))
    front = call.front
    wrote = front.recorder.set_recording(fields.flag(body.get("recording"), "recording"))
    return json_answer({**front.recorder.status(), "wrote": [str(path) for path in wrote]})


ROUTES: tuple[Route, ...] = (
    Route.of("POST", "/v2/events", events, EVENTS_API),
    Route.of("POST", "/v2/bulkevents", bulk_events, EVENTS_API),
    Route.of("POST", "/v3/JS/{key}/events", web_events, WEB_SDK),
    Route.of("POST", "/webevents/v3/JS/{key}/events", web_events, WEB_SDK),
    Route.of("POST", f"/v1/{IDENTITY_METHODS}", web_identity, IDENTITY),
    Route.of("POST", f"/identity/v1/{IDENTITY_METHODS}", web_identity, IDENTITY),
    Route.of("POST", "/v1/{mpid}/modify", web_modify, IDENTITY),
    Route.of("POST", "/identity/v1/{mpid}/modify", web_modify, IDENTITY),
    Route.of("GET", "/", root, OWN),
    Route.of("GET", PIPELINE_PAGE, pipeline_page, OWN),
    Route.of("GET", LINEAGE_PAGE, lineage_page, OWN),
    Route.of("GET", "/_front/static/{name:path}", static_file, OWN),
    Route.of("GET", "/_front/api/status", status, OWN, blocking=True),
    Route.of("GET", "/_front/api/batches", batches, OWN, blocking=True),
    Route.of("GET", "/_front/api/batches/{batch_id}", batch, OWN, blocking=True),
    Route.of("POST", "/_front/api/recording", recording, OWN, blocking=True),
)


def is_own_path(path: str) -> bool:
    return path == "/" or path.startswith("/_front")


class FrontSite:
    """The site a server runs for one front."""

    name = "heap-forward serve"

    def __init__(self, front: Front, *, bound_host: str = "127.0.0.1", access_log: AccessLog | None = None) -> None:
        self.front = front
        self.router = Router(ROUTES)
        self.hosts = HostAllowList.of([] if is_ip_address(bound_host.strip("[]")) else [bound_host])
        self.delays = DelayRoom()
        self.idle_timeout_s = 10.0
        self.access_log = access_log or AccessLog(flush_every_s=SERVER_FLUSH_EVERY_S)

    def begin(self, request: Request) -> FrontHandling:
        return FrontHandling(self, request)

    def closed(self) -> None:
        self.access_log.flush()

    def on_tls_handshake(self, peer: str) -> None:
        self.access_log.say(
            f"heap-forward serve: {peer} opened a TLS (https) connection on this plain-HTTP port; it was closed at once. "
            "mParticle's web SDK fetches its config over https unless given requestConfig: false, and sends over https "
            "unless given forceHttps: false: set both (README, 'Pointing each SDK at the front')."
        )


class FrontHandling:
    """One request to the front, from its head to its answer."""

    def __init__(self, site: FrontSite, request: Request) -> None:
        self.site, self.front, self.request = site, site.front, request
        self.started = time.perf_counter()
        self.family = site.router.family_of(request.path) or (OWN if is_own_path(request.path) else UNKNOWN)
        self.body_limit = MAX_BODY_BYTES
        self.blocking = False
        self.match: Match | None = None
        self.answer: Answer | None = None
        self.held: Reservation | None = None
        try:
            if self.family == OWN:
                refused = refusal(request, site.hosts, setting="`heap-forward serve --host NAME`")  # DNS rebinding, cross-site writes
                if refused is not None:
                    raise refused
            self.match = site.router.match(request.method, request.path)
            self.blocking = self.match.route.blocking
            if self.family in UPLOAD_FAMILIES:
                self.held = self._hold_the_body(request)
        except MethodNotAllowed as error:
            self.answer = self._preflight() if request.method == "OPTIONS" and self.family in CORS_FAMILIES else self.refuse(error)
        except HttpError as error:
            self.answer = self.refuse(error)

    def _hold_the_body(self, request: Request) -> Reservation:
        """A reservation of the body's bytes in the read budget, before any is read: an upload that
        cannot be held now is answered 429 and never read (forwarder.front.admission)."""
        held = self.front.reading.open()
        try:
            length = declared_length(request.headers)
            held.grow_to(MAX_BODY_BYTES if length is None else min(length, MAX_BODY_BYTES))
        except HttpError:
            held.release()
            raise
        return held

    def delay_s(self, request: Request) -> float:
        return 0.0

    def respond(self, request: Request) -> Answer:
        assert self.match is not None
        try:
            answer: Answer = self.match.route.view(FrontCall(self.front, request, self.match.params, self.held))
        except HttpError as error:
            return self.refuse(error)
        except FieldError as error:  # a /_front/ body's field, checked by heap_facts.fields
            return self.refuse(BadRequest(str(error), path=error.path))
        except Exception as error:
            error_log.exception("unexpected error on %s %s", request.method, request.path)  # a bug: the traceback is for us
            return self._decorated(internal_error_answer(error, "heap-forward serve"))
        return self._decorated(answer)

    def refuse(self, error: HttpError) -> Answer:
        """An error in the shape of the API it happened on: mParticle's for its paths, the control shape for /_front/."""
        if self.family == OWN:
            return self._decorated(control_answer(error))
        front_error = from_http_error(error)
        if front_error.status != 429 and self.family in INGEST_FAMILIES:
            self.front.refuse(self.request.path, WEB_SDK if self.family in CORS_FAMILIES else EVENTS_API, front_error)
        body = front_error.to_json()
        if self.family == IDENTITY:
            body = {"Errors": body["errors"]}  # the web SDK reads `Errors` on identity answers (identityApiClient.ts)
        return self._decorated(json_answer(body, front_error.status, front_error.headers()))

    def finish(self, answer: Answer) -> None:
        if self.held is not None:
            self.held.release()
        if self.family != OWN or self.request.method not in ("GET", "HEAD"):
            duration_ms = (time.perf_counter() - self.started) * 1000
            self.site.access_log.write(self.request.method, self.request.path, answer.status, duration_ms)

    def _decorated(self, answer: Answer) -> Answer:
        if self.family == OWN:
            return answer.with_headers(*PAGE_HEADERS)
        if self.family in CORS_FAMILIES:
            origin = self.request.header("origin") or "*"
            return answer.with_headers(
                ("Access-Control-Allow-Origin", origin), ("Access-Control-Expose-Headers", LINEAGE_HEADER), ("Vary", "Origin")
            )
        return answer

    def _preflight(self) -> Answer:
        return self._decorated(
            empty_answer(
                204,
                (
                    ("Access-Control-Allow-Methods", "POST, OPTIONS"),
                    ("Access-Control-Allow-Headers", "Content-Type, x-mp-key, Accept"),
                    ("Access-Control-Max-Age", "600"),
                ),
            )
        )
