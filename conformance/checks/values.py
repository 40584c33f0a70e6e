"""Comparing what Heap stored with what the seed asks for, without assuming a forwarder's naming.

Where the seed names a property (`event_type`, `screen_name`, the custom attributes themselves)
the checks look it up by name. Where it does not (which property holds the product IDs or the
action type) they look for the value among all property values, so any naming passes.

Expected names and values are the source's, uncut: a long one matches when it arrived whole or
cut as a documented reading cuts it (1023 or 1024 characters, heap_facts.lengths).
"""

from __future__ import annotations

import re
from typing import Any

from heap_facts.lengths import cut_forms, is_accepted_cut


def same_value(received: Any, expected: Any) -> bool:
    """Equal as Heap would show them: a number may arrive as a number or as its string form, a long string cut."""
    if received is None:
        return False
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        return _as_float(received) == float(expected)
    if isinstance(expected, str) and isinstance(received, str):
        return is_accepted_cut(received, expected)
    return received == expected or str(received) == str(expected)


def find_key(properties: dict[str, Any], name: str) -> str | None:
    """The property name under which `name` arrived, whole or cut by a documented reading; None when absent."""
    if name in properties:
        return name
    return next((form for form in sorted(cut_forms(name), key=len, reverse=True) if form in properties), None)


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def property_mismatches(properties: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """Each expected property that is missing or different, described for a report."""
    problems = []
    for key, value in expected.items():
        found = find_key(properties, key)
        if found is None:
            problems.append(f"{_short(key)} missing")
        elif not same_value(properties[found], value):
            problems.append(f"{_short(key)} = {_short(properties[found])} (expected {_short(value)})")
    return problems


def has_value(properties: dict[str, Any], expected: Any) -> bool:
    """Whether any property holds `expected` as its whole value."""
    return any(same_value(value, expected) for value in properties.values())


def mentions(properties: dict[str, Any], token: str) -> bool:
    """Whether any property value is or contains `token` as a whole word (e.g. one ID in a list of IDs)."""
    pattern = re.compile(rf"(?<![\w-]){re.escape(token)}(?![\w-])")
    return any(str(value) == token or pattern.search(str(value)) for value in properties.values())


def mentions_action(properties: dict[str, Any], action: str) -> bool:
    """Whether a property names the action, in any casing or spacing (`add_to_cart`, `Add To Cart`)."""
    wanted = _squash(action)
    return any(wanted and wanted in _squash(str(value)) for value in properties.values())


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    if len(text) > limit:
        return f"{text[: limit - 20]}...({len(str(value))} chars)"
    return text
