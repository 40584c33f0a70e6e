"""What every Heap view does the same way: read the body as JSON (and word a refusal as Heap does),
validate it under the settings every payload endpoint shares, and answer the configured success.

A view is a plain function of a `Call` (`heap_mock.simulator`) returning an `Answer`, kept beside
its family's validator and limit demands in `heap_mock/endpoints/<family>.py`; the simulator's site
(`heap_mock.site`) runs it with the body already read by the HTTP layer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from heap_mock.errors import PayloadRejected, Violation
from http_layer.answers import Answer, empty_answer, json_answer, text_answer
from http_layer.errors import NotJSON
from http_layer.json_body import parse_json

if TYPE_CHECKING:
    from heap_mock.simulator import Call

Parsed = TypeVar("Parsed")
SUCCESS_ANSWERS = {"{}": json_answer({}), "OK": text_answer("OK"), "": empty_answer(200)}


def success_answer(setting: str) -> Answer:
    """The configured success body (`success_body`): Heap's own for these endpoints is undocumented."""
    return SUCCESS_ANSWERS[setting]


def json_body(call: Call) -> Any:
    """The body parsed as JSON; a 400 names what is wrong, in Heap's words."""
    try:
        return parse_json(call.request.body)
    except NotJSON as why:
        expectation = "should be a JSON object, the body is empty" if why.empty else f"is not valid JSON ({why.detail})"
        raise PayloadRejected([Violation("body.json", "postBody", expectation)]) from None


def validated(call: Call, validate: Callable[..., Parsed], **extra: Any) -> Parsed:
    """The body checked by `validate` under the settings every payload endpoint shares."""
    config = call.sim.config
    return validate(
        json_body(call), max_bulk_items=config.max_bulk_items, truncate_long=config.truncates_long_values,
        fidelity=config.fidelity_mode, **extra,
    )  # fmt: skip
