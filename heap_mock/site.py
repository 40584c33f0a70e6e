"""The simulator as a site of the HTTP layer: who answers each request, and what is kept of it.

Two kinds of request arrive:

- Heap traffic: Heap's paths, and any path that is not the simulator's own (an unknown path is a
  client's mistake worth seeing). Each request gets an id, injected faults apply, the view in
  `views/heap_api.py` runs, and the request is journaled (`GET /_mock/requests`) and logged,
  whatever its answer, 404s and cut-short bodies included.
- The simulator's own pages: the control plane under `/_mock/`, the console and `/openapi.json`.
  `http_layer.origin_policy` turns away foreign Host names and cross-site writes before anything
  else; they are never journaled, and logged only when they change something or are refused (the
  console polls several times a second: its reads would drown the log).

Routing happens before any body is read, so a GET or an unknown path never waits for one.

Why Heap's endpoints run without a web framework: measured with wrk on this project's 2-core
machine, Flask's per-request machinery cost more than all of the simulator's own work on a track
request. Here a request costs a dict lookup to route and a tuple to answer.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from heap_facts.fields import FieldError
from heap_mock.errors import ControlError, Throttled, error_answer
from heap_mock.paths import is_simulator_path
from heap_mock.routes import HEAP, ROUTES
from heap_mock.simulator import Call, Simulator
from heap_mock.store.faults import FaultRule
from heap_mock.store.journal import Exchange
from heap_mock.store.lineage import LINEAGE_HEADER, lineage_of
from heap_mock.unknowns import throttle_answer
from http_layer.answers import Answer, empty_answer, text_answer
from http_layer.delays import DelayRoom
from http_layer.errors import HttpError, MethodNotAllowed, internal_error_answer
from http_layer.origin_policy import PAGE_HEADERS, HostAllowList, refusal
from http_layer.request import Request
from http_layer.routing import Match, Router, allowed_methods
from http_layer.wsgi import WSGIApp, test_client, wsgi_app

if TYPE_CHECKING:
    from http_layer.wsgi import TestClient

error_log = logging.getLogger("heap_mock.errors")
LINEAGE_KEY = LINEAGE_HEADER.lower()  # header names arrive lower-cased (http_layer.request)
ALLOW_HOST_SETTING = "`heap-mock serve --allow-host NAME` or the allowed_hosts setting"


class SimulatorSite:
    """The site a server runs for one simulator."""

    name = "heap-mock"

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.router = Router(ROUTES)
        self.hosts = HostAllowList.of(sim.config.allowed_hosts)
        self.delays: DelayRoom = sim.delays
        self.idle_timeout_s = sim.config.body_idle_timeout_s

    def begin(self, request: Request) -> HeapHandling | PageHandling:
        if is_simulator_path(request.path):
            return PageHandling(self, request)
        return HeapHandling(self, request)

    def closed(self) -> None:
        self.sim.access_log.flush()

    def on_tls_handshake(self, peer: str) -> None:
        self.sim.access_log.say(
            f"heap-mock: {peer} opened a TLS (https) connection on this plain-HTTP port; it was closed. Use http:// URLs for the simulator."
        )

    def wsgi(self) -> WSGIApp:
        """The simulator as a WSGI callable, for any WSGI server or test client."""
        return wsgi_app(self)

    def test_client(self) -> TestClient:
        """A WSGI test client: in-process requests, no socket."""
        return test_client(self)

    def route(self, request: Request) -> Match:
        return self.router.match(request.method, request.path)

    def options(self, request: Request) -> Answer:
        """OPTIONS on a known path: 200 with the methods it takes."""
        routes, _ = self.router.candidates(request.path)
        return empty_answer(200, (("Allow", ", ".join(allowed_methods(routes))),))


class HeapHandling:
    """One request of Heap traffic: routed, faulted, answered, journaled and logged."""

    blocking = False  # Heap's views cost microseconds: they run inline

    def __init__(self, site: SimulatorSite, request: Request) -> None:
        sim = site.sim
        self.site, self.sim = site, sim
        self.exchange = Exchange(sim.state.next_request_id(), request.method, request.path, sim.clock.now())
        lineage = request.headers.get(LINEAGE_KEY)
        if lineage:
            self.exchange.lineage = lineage_of(lineage)
        self.body_limit = sim.config.max_body_bytes
        self.answer: Answer | None = None  # Heap traffic is always read and journaled whole, even on a wrong path
        self.match: Match | None = None
        self.unrouted: HttpError | None = None
        try:
            self.match = site.router.match(request.method, request.path)
        except HttpError as error:
            self.unrouted = error

    def delay_s(self, request: Request) -> float:
        """Note a matching fault rule; its delay, for the adapter to wait out."""
        self.exchange.raw = request.body
        faults = self.sim.state.faults
        rule = faults.match(self.exchange.method, self.exchange.path) if faults.rules else None
        self.exchange.fault = rule
        return rule.delay_ms / 1000.0 if rule is not None and rule.delay_ms else 0.0

    def respond(self, request: Request) -> Answer:
        rule = self.exchange.fault
        if rule is not None and rule.answers and not rule.after_processing:
            return fault_answer(rule)
        if self.match is None:
            if isinstance(self.unrouted, MethodNotAllowed) and request.method == "OPTIONS":
                return self.site.options(request)
            return self.refuse(self.unrouted or MethodNotAllowed(request.method, request.path, []))
        try:
            answer: Answer = self.match.route.view(Call(self.sim, request, self.match.params, self.exchange))
        except HttpError as error:
            answer = self.refuse(error)
        except Exception as error:
            error_log.exception("unexpected error on %s %s", request.method, request.path)  # a bug: the traceback is for us
            answer = internal_error_answer(error, "the simulator")
        if rule is not None and rule.answers and rule.after_processing:
            answer = fault_answer(rule)  # processed and stored, then the answer is lost
        return answer

    def refuse(self, error: HttpError) -> Answer:
        """A refusal, noted on the journal record. A throttled request gets the answer the config shapes
        (`heap_mock.unknowns`): Heap never documented it."""
        self.exchange.error = error
        return throttle_answer(error, self.sim.config) if isinstance(error, Throttled) else error_answer(error)

    def finish(self, answer: Answer) -> None:
        exchange = self.exchange
        exchange.finish(answer.status)
        self.sim.state.journal.record(exchange)
        self.sim.access_log.write(exchange.method, exchange.path, exchange.status, exchange.duration_ms, exchange.request_id, exchange.log_note())


def fault_answer(rule: FaultRule) -> Answer:
    status = rule.status or 503
    if rule.drop_connection:
        return Answer(status, b"", "text/plain; charset=utf-8", dropped=True)
    text = rule.body if rule.body is not None else f"Injected fault #{rule.id}: {status}"
    headers = (("Retry-After", str(rule.retry_after)),) if rule.retry_after is not None else ()
    return text_answer(text, status, headers) if status not in (204, 304) else empty_answer(status, headers)


class PageHandling:
    """One request to the simulator's own pages: guarded, answered, logged when it matters."""

    def __init__(self, site: SimulatorSite, request: Request) -> None:
        sim = site.sim
        self.site, self.sim, self.request = site, sim, request
        self.body_limit = sim.config.max_body_bytes
        self.blocking = True  # a page over a million events, an export: off the event loop
        self.match: Match | None = None
        self.answer: Answer | None = None
        refused = refusal(request, site.hosts, setting=ALLOW_HOST_SETTING)  # cross-site and DNS rebinding guard
        self.logged = request.method not in ("GET", "HEAD") or refused is not None
        self.exchange = Exchange(sim.state.next_request_id() if self.logged else "", request.method, request.path, sim.clock.now())
        try:
            if refused is not None:
                raise refused
            self.match = site.route(request)
        except MethodNotAllowed as error:
            self.answer = site.options(request) if request.method == "OPTIONS" else self.refuse(error)
        except HttpError as error:
            self.answer = self.refuse(error)

    def delay_s(self, request: Request) -> float:
        return 0.0  # faults apply to Heap's paths only

    def respond(self, request: Request) -> Answer:
        assert self.match is not None
        try:
            answer: Answer = self.match.route.view(Call(self.sim, request, self.match.params, self.exchange))
        except HttpError as error:
            return self.refuse(error)
        except FieldError as error:  # a control body's field, checked by heap_facts.fields
            return self.refuse(ControlError(str(error)))
        except Exception as error:
            error_log.exception("unexpected error on %s %s", request.method, request.path)
            return internal_error_answer(error, "the simulator")
        return answer.with_headers(*PAGE_HEADERS) if self.match.route.family != HEAP else answer

    def refuse(self, error: HttpError) -> Answer:
        self.exchange.error = error
        return error_answer(error)

    def finish(self, answer: Answer) -> None:
        if self.logged:
            exchange = self.exchange
            exchange.finish(answer.status)
            self.sim.access_log.write(exchange.method, exchange.path, exchange.status, exchange.duration_ms, exchange.request_id, exchange.log_note())

