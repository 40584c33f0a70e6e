"""Checks shared by every Heap endpoint family: app_id, identity, user_id, properties, timestamps.

Pure functions: they take a value and its JSON path, append `Violation`s to a `Findings` list and
return the normalised value. Validators collect every violation before answering, so one 400
names all that is wrong with a body, and nothing is stored unless there are none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from heap_facts.fields import is_number  # a JSON number, never a boolean: the one definition
from heap_facts.lengths import ARRAY_JOINER, KIT_CUT, MAX_IDENTITY, MAX_USER_ID, MAX_VALUE
from heap_facts.names import is_reserved_user_property
from heap_facts.times import MAX_EPOCH_MS, parse_iso
from heap_mock.endpoints.json_numbers import MAX_JSON_INT, whole_number
from heap_mock.errors import PayloadRejected, Violation
from heap_mock.fidelity import BOOLEAN_TEXT, Fidelity, RequestWarning, summarise
from http_layer.one_line import one_line

MAX_NAME = MAX_VALUE  # event names, property names and values: the longest the simulator takes (heap_facts.lengths)
_MAX_USER_ID_DIGITS = len(str(MAX_USER_ID))  # a longer digit string is out of range without parsing it
# Used with fullmatch: `$` would also match before a final newline and pass "12\n" as digits.
_DIGITS = re.compile(r"[0-9]+")
_PLAIN_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
MAX_VIOLATIONS = 100  # a 400 names at most this many; past it a body is wrong everywhere and more help no one


@dataclass
class Findings:
    """The violations found so far in one body, the first MAX_VIOLATIONS of them kept.

    The cap bounds what one rejected request costs: a 10 MiB bulk body wrong in every property
    would otherwise produce a 40 MB answer and keep as much in the request journal.
    """

    violations: list[Violation] = field(default_factory=list)
    more: int = 0  # violations found past the cap
    fidelity: Fidelity = Fidelity.OBSERVED
    warnings: list[RequestWarning] = field(default_factory=list)  # capped like violations

    def tolerate(self, rule_id: str, path: str, expectation: str, fact: str) -> bool:
        """A lenient rule broken (see heap_mock.fidelity): under `observed` a warning and True
        (accept), under `documented` a violation and False (refuse)."""
        if self.fidelity is Fidelity.DOCUMENTED:
            self.add(rule_id, path, expectation)
            return False
        if len(self.warnings) < MAX_VIOLATIONS:
            self.warnings.append(RequestWarning(rule_id, path, fact))
        return True

    def add(self, rule_id: str, path: str, expectation: str) -> None:
        if len(self.violations) < MAX_VIOLATIONS:
            self.violations.append(Violation(rule_id, path, expectation))
        else:
            self.more += 1

    def raise_if_any(self) -> None:
        if self.violations:
            raise PayloadRejected(self.violations, more=self.more)


def child(path: str, key: str) -> str:
    """The JSON path of `key` under `path`, in ajv's style: `a.b` or `a['odd key']`."""
    if _PLAIN_KEY.fullmatch(key):
        return f"{path}.{key}"
    return f"{path}[{_quote(key)}]"


def _quote(key: str) -> str:
    shown = one_line(key if len(key) <= 40 else key[:40] + "…")  # a line break in a name must not split its violation
    return "'" + shown.replace("\\", "\\\\").replace("'", "\\'") + "'"


def require_object(body: Any, findings: Findings) -> dict[str, Any]:
    """The body must be a JSON object; anything else stops validation at once."""
    if not isinstance(body, dict):
        findings.add("body.object", "postBody", "should be object")
        findings.raise_if_any()
    checked: dict[str, Any] = body
    return checked


def check_app_id(body: dict[str, Any], findings: Findings) -> str:
    """`app_id` must be present and numeric; returns it as a string of digits."""
    if "app_id" not in body:
        findings.add("app_id.required", "postBody", "should have required property 'app_id'")
        return ""
    value = body["app_id"]
    number = whole_number(value, 0, MAX_JSON_INT)  # 27127.0 is 27127 to Heap's JavaScript reader
    if number is not None:
        return str(number)
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return value
    findings.add("app_id.numeric", "postBody.app_id", "should be a numeric environment ID")
    return ""


def check_identity(value: Any, path: str, findings: Findings) -> str | None:
    """An identity: a non-empty, case-sensitive string of at most 255 characters."""
    if not isinstance(value, str) or value == "":
        findings.add("identity.format", path, "should be a non-empty string")
        return None
    if len(value) > MAX_IDENTITY:
        findings.add("identity.format", path, f"should NOT be longer than {MAX_IDENTITY} characters")
        return None
    return value


def check_user_id(value: Any, path: str, findings: Findings) -> str | None:
    """A Heap SDK user_id: an integer in 0..2^53-1, as a string (numbers accepted, as D-del sends)."""
    number = whole_number(value, 0, MAX_USER_ID)  # 4904.0 is 4904 to Heap's JavaScript reader
    text = str(number) if number is not None else value
    if isinstance(text, str) and _DIGITS.fullmatch(text):
        significant = text.lstrip("0") or "0"  # int() refuses strings past 4,300 digits, zeros included
        if len(significant) <= _MAX_USER_ID_DIGITS and int(significant) <= MAX_USER_ID:
            return significant
    findings.add("user_id.format", path, "should be a string holding an integer between 0 and 2^53 - 1")
    return None


# What `body.get("timestamp", ABSENT)` gives for a body without one: null is a value, and refused.
ABSENT: Any = object()


def check_timestamp(value: Any, parent: str, findings: Findings, now: float) -> float:
    """`parent.timestamp`: ISO 8601 with any offset, or epoch milliseconds (number or digit string); ABSENT means now."""
    if value is ABSENT:
        return now
    if is_number(value) or (isinstance(value, str) and _DIGITS.fullmatch(value)):
        millis = float(value)
        if 0 <= millis <= MAX_EPOCH_MS:
            return millis / 1000.0
    elif isinstance(value, str):
        try:
            return parse_iso(value)
        except ValueError:
            pass
    findings.add("timestamp.format", f"{parent}.timestamp", "should be an ISO 8601 date-time or epoch milliseconds")
    return now


def check_optional_string(body: dict[str, Any], key: str, path: str, rule_id: str, findings: Findings) -> str | None:
    """An optional field that, when present, must be a non-empty string."""
    value = body.get(key)
    if value is None and key not in body:
        return None
    if isinstance(value, str) and value != "":
        return value
    findings.add(rule_id, child(path, key), "should be a non-empty string")
    return None


def check_properties(
    body: dict[str, Any],
    path: str,
    findings: Findings,
    *,
    join_arrays: bool,
    truncate_long: bool,
    reserved_id: bool = False,
    key: str = "properties",
) -> dict[str, str | int | float]:
    """`properties`: an object of names to strings or numbers, each at most 1024 characters.

    `join_arrays` applies Heap's documented array rule for track; `reserved_id` refuses any
    casing of `id` as add_user_properties does; `truncate_long` cuts instead of refusing.
    """
    if key not in body:  # present as null is not absent: Heap refuses a non-object ("should be object")
        return {}
    properties = body[key]
    props_path = child(path, key)
    if not isinstance(properties, dict):
        findings.add("properties.object", props_path, "should be object")
        return {}
    clean: dict[str, str | int | float] = {}
    for name, value in properties.items():
        if _plainly_valid(name, value, reserved_id):
            clean[name] = value  # the common case, checked without building a JSON path
            continue
        checked = _check_property(name, value, props_path, findings, join_arrays, truncate_long, reserved_id)
        if checked is not None:
            clean[name] = checked
    return clean


def _plainly_valid(name: str, value: Any, reserved_id: bool) -> bool:
    kind = type(value)
    if kind is str:
        fits = len(value) < MAX_NAME  # exactly 1024 is the documented limit's edge: see _check_value
    else:
        fits = kind is int or kind is float
    return fits and len(name) <= MAX_NAME and not (reserved_id and len(name) == 2 and is_reserved_user_property(name))


def _check_property(
    name: str, value: Any, props_path: str, findings: Findings, join_arrays: bool, truncate_long: bool, reserved_id: bool
) -> str | int | float | None:
    path = child(props_path, name)
    if len(name) > MAX_NAME:
        findings.add("properties.key_length", path, f"property name should NOT be longer than {MAX_NAME} characters")
        return None
    if reserved_id and is_reserved_user_property(name):
        # Accepted but never stored under `observed`: live Heap took it (heap_mock.fidelity).
        findings.tolerate("user_properties.reserved_id", path, "is reserved: a user property cannot be named any casing of 'id'", f"user property named {name!r}")
        return None
    if isinstance(value, list) and join_arrays:
        return _join_array(value, path, findings)
    return _check_value(value, path, findings, truncate_long)


def _check_value(value: Any, path: str, findings: Findings, truncate_long: bool) -> str | int | float | None:
    """One scalar value: a number, a string fewer than 1024 characters, or (observed) a boolean or 1024 exactly."""
    if isinstance(value, bool):
        if findings.tolerate("properties.boolean", path, "should be string or number, not a boolean", summarise(value)):
            return BOOLEAN_TEXT[value]
        return None
    if isinstance(value, (int, float)):
        return value
    if not isinstance(value, str):
        findings.add("properties.value_type", path, "should be string or number")
        return None
    if len(value) < MAX_NAME:
        return value
    longest = MAX_NAME if findings.fidelity is Fidelity.OBSERVED else KIT_CUT  # D-track: fewer than 1024
    if truncate_long:
        return value[:longest]
    fewer = f"should be fewer than {MAX_NAME} characters"  # D-track's own words
    if len(value) > MAX_NAME:
        observed = findings.fidelity is Fidelity.OBSERVED
        findings.add("properties.value_length", path, f"should NOT be longer than {MAX_NAME} characters" if observed else fewer)
        return None
    if findings.tolerate("properties.value_length", path, fewer, summarise(value)):
        return value
    return None


def _join_array(items: list[Any], path: str, findings: Findings) -> str | None:
    """D-track: an array value becomes its items joined with `||`, cut to 1024 characters."""
    texts = []
    for index, item in enumerate(items):
        item_path = f"{path}[{index}]"
        if isinstance(item, bool) and findings.tolerate("properties.boolean", item_path, "should be string or number, not a boolean", summarise(item)):
            texts.append(BOOLEAN_TEXT[item])
        elif isinstance(item, str) or is_number(item):
            texts.append(str(item))
        else:
            if not isinstance(item, bool):
                findings.add("properties.value_type", item_path, "should be string or number")
            return None
    return ARRAY_JOINER.join(texts)[:MAX_NAME]


def check_bulk_items(body: dict[str, Any], key: str, limit: int, findings: Findings) -> list[dict[str, Any]] | None:
    """A bulk array (`events`, `users`, `accounts`): 1..limit objects. None when it is unusable."""
    items = body[key]
    path = f"postBody.{key}"
    if not isinstance(items, list):
        findings.add("bulk.array", path, "should be array")
        return None
    if not 1 <= len(items) <= limit:
        findings.add("bulk.size", path, f"should have between 1 and {limit} items, got {len(items)}")
        return None
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            findings.add("bulk.array", f"{path}[{index}]", "should be object")
    return items if all(isinstance(item, dict) for item in items) else None


def single_or_bulk(body: dict[str, Any], key: str, limit: int, findings: Findings) -> tuple[list[tuple[dict[str, Any], str]], bool]:
    """The items of a body that is either one item or a bulk `key` array, each with its JSON path."""
    if key not in body:
        return [(body, "postBody")], False
    items = check_bulk_items(body, key, limit, findings) or []
    return [(item, f"postBody.{key}[{index}]") for index, item in enumerate(items)], True
