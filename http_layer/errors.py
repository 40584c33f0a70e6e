"""The errors the HTTP layer raises, and the one shape both control planes answer them in.

    HttpError                      any refusal: a status, a rule ID, a message for the client
    ├── RouteNotFound        404   route.not_found
    ├── MethodNotAllowed     405   route.method, with Allow
    ├── BodyTooLarge         413   body.size
    ├── BodyIncomplete       400   body.incomplete: the client went away mid-body
    ├── BodyTimeout          408   body.timeout: the client stopped sending mid-body
    ├── BadLength            400   body.length: a Content-Length that is not a whole number
    ├── NotJSON              400   body.json
    ├── BadParameter         400   query.parameter
    ├── ForeignHost          403   control.host: a site's own pages under a name it is not known by
    ├── CrossSiteWrite       403   control.origin: a write to a control plane from another site
    ├── NotJsonWrite         415   control.content_type: a control-plane write that is not JSON
    └── DelayCapacityFull    503   fault.delay_capacity

A site renders these in its own API's shape (Heap's plain text, mParticle's `errors` array); the
simulator's `/_mock/` and the front's `/_front/` both answer `control_body`.
"""

from __future__ import annotations

from typing import Any

from http_layer.answers import Answer, Headers, json_answer, reason


class HttpError(Exception):
    """An answer that is not a success, with the rule it enforces (named in journals and logs)."""

    status: int = 400
    rule_id: str = "http.bad_request"  # each error class names the rule it enforces

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def headers(self) -> Headers:
        return ()

    @property
    def name(self) -> str:
        return reason(self.status)


class RouteNotFound(HttpError):
    status, rule_id = 404, "route.not_found"


class MethodNotAllowed(HttpError):
    status, rule_id = 405, "route.method"

    def __init__(self, method: str, path: str, allowed: list[str]) -> None:
        self.allowed = ", ".join(sorted(allowed))
        super().__init__(f"{method} is not allowed on {path}; allowed: {self.allowed}")

    def headers(self) -> Headers:
        return (("Allow", self.allowed),)


class BodyTooLarge(HttpError):
    status, rule_id = 413, "body.size"


class BodyIncomplete(HttpError):
    status, rule_id = 400, "body.incomplete"


class BodyTimeout(HttpError):
    status, rule_id = 408, "body.timeout"

    def headers(self) -> Headers:
        return (("Connection", "close"),)


class BadLength(HttpError):
    status, rule_id = 400, "body.length"


class NotJSON(HttpError):
    """A body that is empty or not JSON. `empty` tells the two apart: Heap words them differently."""

    status, rule_id = 400, "body.json"

    def __init__(self, message: str, *, detail: str = "", empty: bool = False) -> None:
        super().__init__(message)
        self.detail = detail  # the parser's own reason, for a site that words the message its way
        self.empty = empty


class BadParameter(HttpError):
    status, rule_id = 400, "query.parameter"


class ForeignHost(HttpError):
    status, rule_id = 403, "control.host"


class CrossSiteWrite(HttpError):
    status, rule_id = 403, "control.origin"


class NotJsonWrite(HttpError):
    status, rule_id = 415, "control.content_type"


class DelayCapacityFull(HttpError):
    status, rule_id = 503, "fault.delay_capacity"

    def headers(self) -> Headers:
        return (("Retry-After", "1"),)


def control_body(error: HttpError) -> dict[str, Any]:
    """The one error shape of both control planes (`/_mock/`, `/_front/`): what, why, which rule."""
    return {"error": error.name, "message": error.message, "rule_id": error.rule_id}


def control_answer(error: HttpError) -> Answer:
    return json_answer(control_body(error), error.status, error.headers())


def internal_error_answer(error: BaseException, server: str) -> Answer:
    """A bug, answered without its traceback (which goes to the log), in the control shape."""
    body = {"error": "Internal Server Error", "message": f"{type(error).__name__} in {server}; see its log", "rule_id": "internal"}
    return json_answer(body, 500)
