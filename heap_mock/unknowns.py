"""Answers Heap has never documented, shaped by config so a team that learns the real one can match it.

Heap documents its rate limits but not what a throttled request gets back (heap-api.md §7.2): the
status, whether `Retry-After` is sent and in what unit, and the body are config settings
(`throttle_status`, `throttle_retry_after`, `throttle_body`). Today's answer is the default:
429, `Retry-After` in whole seconds, a plain-text message. Pure: no I/O.
"""

from __future__ import annotations

from heap_mock.config import Config
from heap_mock.errors import Throttled
from http_layer.answers import Answer, json_answer, text_answer


def throttle_answer(error: Throttled, config: Config) -> Answer:
    """The answer to a request over a rate limit, as the config shapes it."""
    headers = _retry_after(error.retry_after, config.throttle_retry_after)
    status = config.throttle_status
    if config.throttle_body == "json":
        body = {"error": "Too Many Requests", "message": error.message, "rule_id": error.rule_id, "retry_after": error.retry_after}
        return json_answer(body, status, headers)
    if config.throttle_body == "empty":
        return Answer(status, b"", "text/plain; charset=utf-8", headers)
    return text_answer(error.message + "\n", status, headers)


def _retry_after(seconds: int, unit: str) -> tuple[tuple[str, str], ...]:
    if unit == "none":
        return ()
    value = seconds * 1000 if unit == "milliseconds" else seconds
    return (("Retry-After", str(value)),)
