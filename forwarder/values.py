"""Turning mParticle values into values Heap takes: one rule for every property, name and time.

Heap takes property values that are "a number or string with fewer than 1024 characters"
(D-track, D-aup), and the seed truncates "all event attribute names and values ... to 1024
characters"; mParticle's own Heap kit cuts at 1023 (KIT). A cut to 1023 keeps both, so that is
ours (heap_facts.lengths, MAPPING.md §4.6). mParticle sends more kinds (S2 allows null, bool and
number in attribute bags; S6 serialises Decimal as a string). The one rule, written up in MAPPING.md:

- string: cut to 1023 characters;
- number: kept, except an integer beyond 2^53 - 1, which becomes its decimal string (JSON
  consumers lose its precision otherwise), and NaN or an infinity, which JSON cannot carry, and
  which become the strings "NaN", "Infinity", "-Infinity";
- boolean: the string "true" or "false";
- null: the property is dropped;
- list: its items converted by this rule (nulls dropped, nested values as compact JSON), joined with
  "||" and cut to 1023, which is what Heap itself documents for array values on track;
- object: its compact JSON text (keys sorted), cut to 1023.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from heap_facts.lengths import ARRAY_JOINER, KIT_CUT, MAX_IDENTITY, MAX_SAFE_INTEGER
from heap_facts.times import MAX_EPOCH_MS

MAX_LENGTH = KIT_CUT  # where names and values are cut: 1023 satisfies the seed, D-track and the kit alike
# Used with fullmatch (`$` would pass a final newline). At most 20 digits before the point: that holds
# every 64-bit integer, and keeps int() and float() off strings they refuse or turn into infinity.
_INTEGER = re.compile(r"-?[0-9]{1,20}")
_DECIMAL = re.compile(r"-?[0-9]{1,20}(\.[0-9]+)?")

HeapValue = str | int | float


def cut(text: str) -> str:
    """A name or value cut to `MAX_LENGTH` (1023) characters."""
    return text if len(text) <= MAX_LENGTH else text[:MAX_LENGTH]


def heap_value(value: Any) -> HeapValue | None:
    """A property value Heap takes, or None when the property is to be dropped (the value was null)."""
    kind = type(value)
    if kind is str:
        text: str = value
        return text if len(text) <= MAX_LENGTH else text[:MAX_LENGTH]
    if kind is int:
        number: int = value
        return number if -MAX_SAFE_INTEGER <= number <= MAX_SAFE_INTEGER else str(number)
    if kind is float:
        real: float = value
        return real if math.isfinite(real) else non_finite_text(real)
    if value is None:
        return None
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return cut(ARRAY_JOINER.join(_list_item(item) for item in value if item is not None))
    return cut(_compact_json(value))


def non_finite_text(real: float) -> str:
    """NaN and the infinities as the words JSON writers use for them (Python's json, JSON5): Heap
    takes only numbers and strings, and JSON has no number for these."""
    if real != real:
        return "NaN"
    return "Infinity" if real > 0 else "-Infinity"


def _list_item(item: Any) -> str:
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, float) and not math.isfinite(item):
        return non_finite_text(item)
    if isinstance(item, (str, int, float)):
        return str(item)
    return _compact_json(item)


def _compact_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def heap_properties(attributes: Any, into: dict[str, HeapValue] | None = None) -> dict[str, HeapValue]:
    """Custom attributes as Heap properties: names cut to `MAX_LENGTH`, values by `heap_value`.

    A non-object (null, a list) counts as no attributes, as mparticle-batch.md §6.4 asks. When two
    names are the same after cutting, the later one wins.
    """
    properties: dict[str, HeapValue] = {} if into is None else into
    if not isinstance(attributes, Mapping):
        return properties
    for name, value in attributes.items():
        converted = heap_value(value)
        if converted is not None:
            properties[cut(name) if len(name) > MAX_LENGTH else name] = converted
    return properties


def id_text(value: Any) -> str | None:
    """An mParticle ID (mpid, session_id, customer id) as text, whether sent as number or string.

    Integers keep every digit (JSON numbers beyond 2^53 arrive exact in Python); an integral float
    loses what JSON already lost; empty strings and other kinds count as absent.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str) and value.strip() != "":
        return value.strip()
    return None


def epoch_ms(value: Any) -> int | None:
    """Milliseconds since the epoch from a number or a digit string; None when absent or unusable.

    Zero and negative values count as absent: mParticle writes 0 for "not set" (S15's
    `event_start_unixtime_ms: 0`), and Heap has no use for times before 1970.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not _INTEGER.fullmatch(text):
            if not _DECIMAL.fullmatch(text):
                return None
            value = float(text)
        else:
            value = int(text)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        value = int(value)
    if isinstance(value, int) and 0 < value <= MAX_EPOCH_MS:
        return value
    return None


def decimal_number(value: Any) -> Any:
    """A decimal sent as a string (mParticle's Python SDK serialises Decimal prices that way) as a number.

    Anything else is returned unchanged, for `heap_value` to convert by the general rule.
    """
    if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        text = value.strip()
        return int(text) if _INTEGER.fullmatch(text) else float(text)
    return value
