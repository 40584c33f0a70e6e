"""Errors the simulator answers with, one class per kind of API error.

    http_layer.errors.HttpError      (404, 405, 413, a cut-short body, a refused Host, ...: the layer's)
    └── HeapMockError
        ├── PayloadRejected      400  plain text in Heap's observed style, every violation on a line
        ├── Throttled            429  with Retry-After
        ├── DeletionUnauthorized 401  JSON, both `error`/`message` and `err.message` (D-del is ambiguous)
        ├── DeletionNotFound     404  JSON
        └── ControlError         400  JSON, for the /_mock/ API
            ├── ControlConflict  409  a well-formed call the simulator's current state cannot take
            └── ControlNotFound  404  a control call naming something the simulator does not hold

Each carries the rule ID it enforces, so the journal and the answer name the same rule. Errors of
the HTTP layer answer in the control planes' JSON shape (`http_layer.errors.control_body`), which
is also the shape of every JSON error here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from http_layer.answers import Answer, json_answer, text_answer
from http_layer.errors import HttpError, control_answer, control_body
from http_layer.one_line import one_line


@dataclass(frozen=True)
class Violation:
    """One broken payload rule at one JSON path, e.g. `postBody.events[3].properties.plan`."""

    rule_id: str
    path: str
    expectation: str

    @property
    def message(self) -> str:
        return f"{self.path} {self.expectation}"


class HeapMockError(HttpError):
    """Base class of the simulator's own errors: a status, the rule it enforces, and Heap's answer shape."""

    json_body: ClassVar[bool] = False

    def __init__(self, message: str, *, rule_id: str | None = None) -> None:
        super().__init__(message)
        if rule_id is not None:
            self.rule_id = rule_id  # one class serves several rules (PayloadRejected, Throttled)

    def body(self) -> dict[str, Any]:
        return control_body(self)

    def answer(self) -> Answer:
        if self.json_body:
            return json_answer(self.body(), self.status, self.headers())
        return text_answer(self.message + "\n", self.status, self.headers())


def error_answer(error: HttpError) -> Answer:
    """Any error as the simulator answers it: its own in Heap's shapes, the HTTP layer's as JSON."""
    return error.answer() if isinstance(error, HeapMockError) else control_answer(error)


class PayloadRejected(HeapMockError):
    """A body that breaks one or more payload rules. Nothing of it is stored."""

    status, rule_id = 400, "body.object"

    def __init__(self, violations: list[Violation], *, more: int = 0) -> None:
        self.violations = violations
        self.more = more  # further violations not listed (see payload.MAX_VIOLATIONS)
        lines = [one_line(v.message) for v in violations]  # one violation per line, whatever the input held
        if more:
            lines.append(f"... and {more} more violations not listed")
        super().__init__("\n".join(lines), rule_id=violations[0].rule_id)


class Throttled(HeapMockError):
    """A request over a documented rate limit: 429, stores nothing, uses no budget."""

    status = 429

    def __init__(self, rule_id: str, limit_text: str, retry_after: int) -> None:
        self.retry_after = retry_after
        self.limit_text = limit_text
        super().__init__(f"Too Many Requests: {limit_text}; retry after {retry_after} s", rule_id=rule_id)

    def headers(self) -> tuple[tuple[str, str], ...]:
        return (("Retry-After", str(self.retry_after)),)


class DeletionUnauthorized(HeapMockError):
    status, rule_id, json_body = 401, "deletion.auth", True

    def body(self) -> dict[str, Any]:
        return {"error": "Unauthorized", "message": self.message, "err": {"message": self.message}}


class DeletionNotFound(HeapMockError):
    status, rule_id, json_body = 404, "deletion.not_found", True


class ControlError(HeapMockError):
    status, rule_id, json_body = 400, "control.invalid", True


class ControlConflict(ControlError):
    """A well-formed control call that the current state rules out, such as advancing past the year 9999."""

    status = 409


class ControlNotFound(ControlError):
    """A control call naming something not held (a journal entry dropped past journal_limit)."""

    status, rule_id = 404, "control.not_found"
