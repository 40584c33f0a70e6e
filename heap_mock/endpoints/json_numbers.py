"""Whole numbers as a JavaScript server reads JSON: `27127.0` is the number 27127.

Heap's ingestion API answers in ajv's words ("should be object"), so it parses JSON as JavaScript
does, where `27127.0`, `2.7127e4` and `27127` are one and the same number. The simulator's JSON
reader keeps them apart (a float and an int), so an id sent as `27127.0` would be refused here
and taken by Heap. Pure.
"""

from __future__ import annotations

from typing import Any

from heap_facts.fields import whole

# orjson reads integers in this range as ints; one outside it arrives as a float.
MIN_JSON_INT, MAX_JSON_INT = -(2**63), 2**64 - 1


def whole_number(value: Any, low: int, high: int) -> int | None:
    """`value` as an int if it is a JSON number with no fractional part in low..high, else None.

    The reading is heap_facts.fields.whole, the one every setting and control body is read by too:
    past 2^53 a float no longer holds every whole number, so `-9223372036854775809` (read as the
    different number -2^63) is refused, and only exact ints are taken there."""
    number = whole(value)
    return number if number is not None and low <= number <= high else None
