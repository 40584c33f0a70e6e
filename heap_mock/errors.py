"""Errors the simulator answers with, one class per kind of API error.

    HeapMockError (werkzeug HTTPException)
    ├── PayloadRejected      400  plain text in Heap's observed style, every violation on a line
    ├── BodyTooLarge         413
    ├── Throttled            429  with Retry-After
    ├── DeletionUnauthorized 401  JSON, both `error`/`message` and `err.message` (D-del is ambiguous)
    ├── DeletionNotFound     404  JSON
    ├── ControlError         400  JSON, for the /_mock/ API
    │   ├── ControlConflict  409  a well-formed call the simulator's current state cannot take
    │   └── ControlNotFound  404  a control call naming something the simulator does not hold
    ├── RouteNotFound        404  JSON
    └── MethodNotAllowed     405  JSON

Each carries the rule ID it enforces, so the journal and the answer name the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import MethodNotAllowed as WerkzeugMethodNotAllowed
from werkzeug.exceptions import NotFound as WerkzeugNotFound

from heap_mock.answers import Answer, json_answer, text_answer
from heap_mock.one_line import one_line


@dataclass(frozen=True)
class Violation:
    """One broken payload rule at one JSON path, e.g. `postBody.events[3].properties.plan`."""

    rule_id: str
    path: str
    expectation: str

    @property
    def message(self) -> str:
        return f"{self.path} {self.expectation}"


class HeapMockError(HTTPException):
    """Base class: an answer that is not a success, with the rule it enforces."""

    code = 400
    rule_id = "body.object"
    json_body = False

    def __init__(self, message: str, *, rule_id: str | None = None) -> None:
        super().__init__(description=message)
        if rule_id is not None:
            self.rule_id = rule_id
        self.message = message

    def extra_headers(self) -> dict[str, str]:
        return {}

    def body(self) -> dict[str, Any]:
        return {"error": self.name, "message": self.message, "rule_id": self.rule_id}

    def answer(self) -> Answer:
        headers = tuple(self.extra_headers().items())
        if self.json_body:
            return json_answer(self.body(), self.code, headers)
        return text_answer(self.message + "\n", self.code, headers)


class PayloadRejected(HeapMockError):
    """A body that breaks one or more payload rules. Nothing of it is stored."""

    code = 400

    def __init__(self, violations: list[Violation], *, more: int = 0) -> None:
        self.violations = violations
        self.more = more  # further violations not listed (see payload.MAX_VIOLATIONS)
        lines = [one_line(v.message) for v in violations]  # one violation per line, whatever the input held
        if more:
            lines.append(f"... and {more} more violations not listed")
        super().__init__("\n".join(lines), rule_id=violations[0].rule_id)


class BodyTooLarge(HeapMockError):
    code = 413
    rule_id = "body.size"
    json_body = True


class BodyIncomplete(HeapMockError):
    """A body shorter than its Content-Length: the client went away mid-request. Nothing is stored."""

    code = 400
    rule_id = "body.incomplete"
    json_body = True


class Throttled(HeapMockError):
    """A request over a documented rate limit: 429, stores nothing, uses no budget."""

    code = 429

    def __init__(self, rule_id: str, limit_text: str, retry_after: int) -> None:
        self.retry_after = retry_after
        self.limit_text = limit_text
        super().__init__(f"Too Many Requests: {limit_text}; retry after {retry_after} s", rule_id=rule_id)

    def extra_headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class DeletionUnauthorized(HeapMockError):
    code = 401
    rule_id = "deletion.auth"
    json_body = True

    def body(self) -> dict[str, Any]:
        return {"error": "Unauthorized", "message": self.message, "err": {"message": self.message}}


class DeletionNotFound(HeapMockError):
    code = 404
    rule_id = "deletion.not_found"
    json_body = True


class ControlError(HeapMockError):
    code = 400
    rule_id = "control.invalid"
    json_body = True


class ControlConflict(ControlError):
    """A well-formed control call that the current state rules out, such as advancing past the year 9999."""

    code = 409


class ControlNotFound(ControlError):
    """A control call naming something not held (a journal entry dropped past journal_limit)."""

    code = 404
    rule_id = "control.not_found"


class RouteNotFound(HeapMockError):
    code = 404
    rule_id = "route.not_found"
    json_body = True


class MethodNotAllowed(HeapMockError):
    code = 405
    rule_id = "route.method"
    json_body = True

    def __init__(self, method: str, path: str, allowed: list[str]) -> None:
        self.allowed = ", ".join(sorted(allowed))
        super().__init__(f"{method} is not allowed on {path}; allowed: {self.allowed}")

    def extra_headers(self) -> dict[str, str]:
        return {"Allow": self.allowed}


def as_simulator_error(error: HTTPException, method: str, path: str) -> HeapMockError:
    """Any HTTP error, ours or one werkzeug raised while routing, as one of ours."""
    if isinstance(error, HeapMockError):
        return error
    if isinstance(error, WerkzeugMethodNotAllowed):
        return MethodNotAllowed(method, path, list(error.valid_methods or []))
    if isinstance(error, WerkzeugNotFound):
        return RouteNotFound(f"no such endpoint: {method} {path}")
    ours = RouteNotFound(error.description or error.name)
    ours.code = error.code or 400
    return ours


def internal_error(error: Exception) -> Answer:
    """A bug in the simulator, answered without its traceback (which goes to the log)."""
    return json_answer({"error": "internal error", "message": f"{type(error).__name__} in the simulator; see its log"}, 500)
