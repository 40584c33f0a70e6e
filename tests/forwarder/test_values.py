from __future__ import annotations

from typing import Any

import pytest

from forwarder.values import decimal_number, epoch_ms, heap_properties, heap_value, id_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", "plain"),
        ("x" * 2000, "x" * 1023),  # the kit's cut: the seed's 1024 and D-track's "fewer than 1024" both hold
        ("x" * 1024, "x" * 1023),
        ("x" * 1023, "x" * 1023),
        (7, 7),
        (2.5, 2.5),
        (2**53 - 1, 2**53 - 1),
        (2**53, str(2**53)),
        (-(2**60), str(-(2**60))),
        (True, "true"),
        (False, "false"),
        (None, None),
        (["a", 1, True, None], "a||1||true"),
        ([{"k": 1}], '{"k":1}'),
        ({"b": 1, "a": [1, 2]}, '{"a":[1,2],"b":1}'),
        (["y" * 600, "z" * 600], ("y" * 600 + "||" + "z" * 600)[:1023]),
    ],
)
def test_one_rule_for_every_value(value: Any, expected: Any) -> None:
    assert heap_value(value) == expected


def test_property_names_are_cut_and_nulls_dropped() -> None:
    properties = heap_properties({"n" * 1500: "v", "gone": None, "kept": 0})
    assert properties == {"n" * 1023: "v", "kept": 0}


@pytest.mark.parametrize("attributes", [None, [], "text", 3])
def test_attributes_that_are_not_an_object_count_as_none(attributes: Any) -> None:
    assert heap_properties(attributes) == {}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1634262037939, 1634262037939), ("1573828863888", 1573828863888), (1634262037939.0, 1634262037939), ("1.5e3", None),
     ("12.7", 12), (0, None), (-5, None), ("", None), ("soon", None), (True, None), (None, None), (10**20, None),
     ("1" * 5000, None), ("1" * 400 + ".5", None), ("157382886388\n8", None)],  # int() refuses >4,300 digits; float() gives inf
)
def test_epoch_ms_accepts_numbers_and_digit_strings(value: Any, expected: int | None) -> None:
    assert epoch_ms(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(264200868161219981, "264200868161219981"), ("264200868161219981", "264200868161219981"), (-7636538281262557000, "-7636538281262557000"),
     (12.0, "12"), (" 7 ", "7"), ("", None), (None, None), (True, None), ({}, None)],
)
def test_id_text_keeps_every_digit(value: Any, expected: str | None) -> None:
    assert id_text(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("79.99", 79.99), ("3", 3), ("-1.5", -1.5), ("abc", "abc"), (4, 4), (None, None), ("1" * 5000, "1" * 5000), ("3\n4", "3\n4")],
)
def test_decimal_strings_become_numbers(value: Any, expected: Any) -> None:
    assert decimal_number(value) == expected
