"""heap_facts.fields: the one way settings and control-plane input are checked, and the one error
that names the field, its rule and what came, shown safely."""

from __future__ import annotations

import ast
import math
from pathlib import Path
from typing import Any

import pytest

from heap_facts import fields
from heap_facts.fields import FieldError

ROOT = Path(__file__).resolve().parents[2]


def refused(check: Any, *args: Any, **kwargs: Any) -> FieldError:
    with pytest.raises(FieldError) as caught:
        check(*args, **kwargs)
    return caught.value


def test_the_error_names_the_path_the_rule_and_what_came() -> None:
    error = refused(fields.whole_number, "503", "fault.status", 200, 599, what="an HTTP status")
    assert (error.path, error.rule, error.shown) == ("fault.status", "must be an HTTP status from 200 to 599", "the text '503'")
    assert str(error) == "fault.status must be an HTTP status from 200 to 599, got the text '503'"
    assert error.problem == "must be an HTTP status from 200 to 599, got the text '503'"  # for argparse, which names the option
    assert isinstance(error, ValueError)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "null"),
        (True, "the boolean true"),
        (-1, "the number -1"),
        (0.5, "the number 0.5"),
        (math.nan, "the number nan"),
        ("", "empty text"),
        ("x" * 100, f"the text {'x' * 40!r}... (100 characters)"),
        ("a\nb\u202ec", r"the text 'a\nb\u202ec'"),  # one line, and no character that turns the line around
        (10**5000, "a whole number of 5001 digits"),  # repr() of it raises in Python 3.11
        ([1, 2], "a list"),
        ({"a": 1}, "an object"),
        (object(), "a object"),
    ],
    ids=["null", "bool", "int", "float", "nan", "empty", "long", "controls", "huge", "list", "object", "other"],
)
def test_a_value_is_shown_by_kind_short_and_on_one_line(value: Any, shown: str) -> None:
    assert fields.shown(value) == shown
    assert len(fields.shown(value)) < 80 and "\n" not in fields.shown(value)


@pytest.mark.parametrize("value", [True, False, "5", None, 5.5, math.inf, math.nan, float(2**60), [5]])
def test_a_whole_number_is_never_a_boolean_text_fraction_or_inexact_float(value: Any) -> None:
    assert fields.whole(value) is None
    refused(fields.whole_number, value, "n")


def test_a_whole_number_may_be_written_as_a_float_as_json_reads_it() -> None:
    assert fields.whole_number(503.0, "n", 200, 599) == 503 and type(fields.whole_number(503.0, "n")) is int
    assert fields.whole_number(2**63, "n") == 2**63  # an exact int of any size


@pytest.mark.parametrize(
    ("bounds", "rule"),
    [
        ({"low": 1}, "must be a positive whole number"),
        ({"low": 0}, "must be a whole number >= 0"),
        ({"high": 9}, "must be a whole number <= 9"),
        ({"low": 1, "high": 9}, "must be a whole number from 1 to 9"),
        ({}, "must be a whole number"),
    ],
)
def test_a_whole_numbers_rule_says_its_bounds(bounds: dict[str, int], rule: str) -> None:
    assert refused(fields.whole_number, "x", "n", **bounds).rule == rule


@pytest.mark.parametrize("value", [True, "1", None, math.inf, -math.inf, math.nan])
def test_a_number_is_finite_and_never_a_boolean(value: Any) -> None:
    assert not fields.is_number(value)
    refused(fields.number, value, "n")


def test_an_int_too_large_for_a_float_is_refused_not_raised() -> None:
    assert refused(fields.number, 10**400, "clock.advance", low=0).shown == "a whole number of 401 digits"  # float() would overflow


@pytest.mark.parametrize(
    ("kwargs", "value", "rule"),
    [
        ({"low": 0, "high": 1}, 2, "must be a number from 0 to 1"),
        ({"above": 0, "high": 1_000_000.0}, 0, "must be a number > 0 and <= 1000000"),
        ({"low": 0, "unit": "days"}, -1, "must be a number of days >= 0"),
    ],
)
def test_a_numbers_rule_says_its_bounds_and_unit(kwargs: dict[str, Any], value: float, rule: str) -> None:
    assert refused(fields.number, value, "n", **kwargs).rule == rule
    assert fields.number(1, "n", low=0) == 1.0 and type(fields.number(1, "n", low=0)) is float


def test_seconds_flags_choices_and_texts() -> None:
    assert fields.seconds(0, "s") == 0.0 and refused(fields.seconds, 0, "s", positive=True).rule == "must be a number of seconds > 0"
    assert fields.flag(False, "f") is False and refused(fields.flag, 1, "f").shown == "the number 1"
    assert refused(fields.one_of, "xml", "body", ("text", "json", "empty")).rule == 'must be "text", "json" or "empty"'
    assert refused(fields.one_of, "x", "b", ("a",)).rule == 'must be "a"'
    assert fields.text(" ", "t") == " " and refused(fields.text, "", "t").rule == "must be a non-empty string"
    assert fields.text("", "t", empty=True) == "" and fields.optional_text(None, "t") is None
    assert refused(fields.optional_text, 5, "t", what="a key").rule == "must be a key or null"
    assert fields.names(["a", "b"], "hosts") == ("a", "b") and refused(fields.names, ["a", ""], "hosts").path == "hosts"


def test_an_instant_is_iso_8601_within_years_1_to_9999() -> None:
    assert fields.instant("2026-01-01T00:00:00Z", "clock.set") == 1767225600.0
    error = refused(fields.instant, "9999-12-31T23:59:59-01:00", "clock.set")
    assert error.rule == "must be an ISO 8601 date-time from year 1 to 9999, such as 2026-01-01T00:00:00Z"
    assert refused(fields.instant, 5, "clock.set").shown == "the number 5"


def test_unknown_fields_are_named_with_the_known_ones() -> None:
    fields.known_fields({"status": 1}, "fault", ("status", "path"))
    error = refused(fields.known_fields, {"status": 1, "colour": "red", "a": 1}, "fault", ("status", "path"))
    assert str(error) == "fault.a is unknown; known: path, status"
    assert refused(fields.known_fields, {"limts": 1}, "", ("limits",)).path == "limts"


def test_an_optional_field_takes_its_default_when_absent_or_null() -> None:
    check = fields.flag
    assert fields.optional({}, "on", "x", check, False) is False
    assert fields.optional({"on": None}, "on", "x", check, False) is False
    assert refused(fields.optional, {"on": "yes"}, "on", "x", check).path == "x.on"


def test_command_line_text_becomes_the_number_it_spells() -> None:
    assert [fields.from_text(text) for text in ("5", "2.5", "inf", "five")] == [5, 2.5, math.inf, "five"]


# What the module replaced: each of these read its input with its own type tests, and "an int but
# not a bool" was written out about 16 times among them (issue 20). Each now asks heap_facts.fields.
CHECKED_INPUT = (
    "heap_mock/config.py", "heap_mock/store/faults.py", "heap_mock/control/api.py", "heap_mock/store/session.py",
    "heap_mock/endpoints/json_numbers.py", "forwarder/settings.py", "forwarder/options.py", "forwarder/front/site.py",
)  # fmt: skip
KINDS = {"bool", "int", "float", "str", "list", "dict"}


def _type_tests(source: str) -> list[str]:
    """Each `isinstance(value, <a JSON kind>)` in `source`, as `line: kinds`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "isinstance" and len(node.args) == 2:
            kinds = node.args[1].elts if isinstance(node.args[1], ast.Tuple) else [node.args[1]]
            named = {kind.id for kind in kinds if isinstance(kind, ast.Name)} & KINDS
            if named:
                found.append(f"{node.lineno}: {', '.join(sorted(named))}")
    return found


@pytest.mark.parametrize("name", CHECKED_INPUT)
def test_settings_and_control_input_are_read_only_through_the_field_checks(name: str) -> None:
    source = (ROOT / name).read_text()
    assert "from heap_facts import fields" in source or "from heap_facts.fields import" in source, f"{name} does not use heap_facts.fields"
    assert _type_tests(source) == [], f"{name} tests JSON kinds itself; use heap_facts.fields"


def test_the_type_test_finder_sees_the_old_way() -> None:
    old = "ok = isinstance(value, int) and not isinstance(value, bool) and value > 0\nx = isinstance(spec, LimitSpec)\n"
    assert sorted(_type_tests(old)) == ["1: bool", "1: int"]
