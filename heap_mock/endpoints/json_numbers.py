"""Whole numbers as a JavaScript server reads JSON: `27127.0` is the number 27127.

Heap's ingestion API answers in ajv's words ("should be object"), so it parses JSON as JavaScript
does, where `27127.0`, `2.7127e4` and `27127` are one and the same number. The simulator's JSON
reader keeps them apart (a float and an int), so an id sent as `27127.0` would be refused here
and taken by Heap. Pure.
"""

from __future__ import annotations

from typing import Any

from heap_facts.lengths import MAX_SAFE_INTEGER

# orjson reads integers in this range as ints; one outside it arrives as a float.
MIN_JSON_INT, MAX_JSON_INT = -(2**63), 2**64 - 1
# Beyond this a float no longer holds every whole number, so `-9223372036854775809` would be read
# as the different number -2^63: only exact ints are taken past it.
MAX_EXACT_FLOAT = MAX_SAFE_INTEGER + 1


def whole_number(value: Any, low: int, high: int) -> int | None:
    """`value` as an int if it is a JSON number with no fractional part in low..high, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not (value.is_integer() and abs(value) <= MAX_EXACT_FLOAT):  # NaN, infinities too
        return None
    number = int(value)
    return number if low <= number <= high else None
