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

from forwarder import sections
from forwarder.explain import Notes
from forwarder.model import CONVERTED, CUT, DROPPED, KEPT
from heap_facts.lengths import ARRAY_JOINER, KIT_CUT, MAX_SAFE_INTEGER
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
    return convert(value)[0]


# How `convert` treated a value: the branch of the one rule it took, for the mapping's explanation.
AS_IS, CUT_SHORT, BIG_INTEGER, NON_FINITE, BOOLEAN, LIST, OBJECT, NULL = (
    "as_is", "cut", "big_integer", "non_finite", "boolean", "list", "object", "null"
)


def convert(value: Any) -> tuple[HeapValue | None, str]:
    """The one rule: the value Heap gets (None: drop the property) and which branch decided it.

    The only implementation of the rule; `heap_value` is its first half, and the mapping's
    explanation (`describe`) reads the second, so what is reported is what was done.
    """
    kind = type(value)
    if kind is str:
        text: str = value
        return (text, AS_IS) if len(text) <= MAX_LENGTH else (text[:MAX_LENGTH], CUT_SHORT)
    if kind is int:
        number: int = value
        return (number, AS_IS) if -MAX_SAFE_INTEGER <= number <= MAX_SAFE_INTEGER else (str(number), BIG_INTEGER)
    if kind is float:
        real: float = value
        return (real, AS_IS) if math.isfinite(real) else (non_finite_text(real), NON_FINITE)
    if value is None:
        return None, NULL
    if kind is bool:
        return ("true" if value else "false"), BOOLEAN
    if isinstance(value, (list, tuple)):
        return cut(ARRAY_JOINER.join(_list_item(item) for item in value if item is not None)), LIST
    return cut(_compact_json(value)), OBJECT


def describe(value: Any, converted: HeapValue | None, branch: str) -> tuple[str, str]:
    """What `convert` did, as the change it was (model.KEPT, CONVERTED, CUT, DROPPED) and in words."""
    if branch == AS_IS:
        return KEPT, "sent as it was"
    if branch == CUT_SHORT:
        return CUT, f"value cut from {len(value)} to {MAX_LENGTH} characters"
    if branch == NULL:
        return DROPPED, "null: the property is left out"
    return CONVERTED, _conversion_words(value, converted, branch)


def _conversion_words(value: Any, converted: HeapValue | None, branch: str) -> str:
    if branch == BOOLEAN:
        return f'boolean {converted} became the string "{converted}"'
    if branch == BIG_INTEGER:
        return "an integer beyond 2^53 - 1 became its decimal string"
    if branch == NON_FINITE:
        return f'{converted} became the string "{converted}"'
    if branch == LIST:
        nulls = sum(1 for item in value if item is None)
        words = f'list of {len(value)} item(s) joined with "{ARRAY_JOINER}"' + (f", {nulls} null(s) left out" if nulls else "")
        return words + _cut_words(converted)
    return "object sent as its compact JSON text (keys sorted)" + _cut_words(converted)


def _cut_words(converted: HeapValue | None) -> str:
    return f", cut to {MAX_LENGTH} characters" if isinstance(converted, str) and len(converted) == MAX_LENGTH else ""


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


def heap_properties(
    attributes: Any, into: dict[str, HeapValue] | None = None, notes: Notes | None = None, source: str = "custom_attributes"
) -> dict[str, HeapValue]:
    """Custom attributes as Heap properties: names cut to `MAX_LENGTH`, values by `convert`.

    A non-object (null, a list) counts as no attributes, as mparticle-batch.md §6.4 asks. When two
    names are the same after cutting, the later one wins. With `notes`, each attribute's fate is
    noted under `source` (the attributes' place in the event).
    """
    properties: dict[str, HeapValue] = {} if into is None else into
    if notes is not None:
        notes.used(source.split(".", 1)[0].split("[", 1)[0])
    if not isinstance(attributes, Mapping):
        return properties
    if notes is not None:
        return _noted_properties(attributes, properties, notes, source)
    for name, value in attributes.items():
        converted = convert(value)[0]
        if converted is not None:
            properties[cut(name) if len(name) > MAX_LENGTH else name] = converted
    return properties


def _noted_properties(attributes: Mapping[str, Any], properties: dict[str, HeapValue], notes: Notes, source: str) -> dict[str, HeapValue]:
    """`heap_properties` noting what became of each attribute (the same rule, and the words for it)."""
    for name, value in attributes.items():
        converted, branch = convert(value)
        change, words = describe(value, converted, branch)
        section = sections.CUT if branch == CUT_SHORT else sections.VALUE_RULE if change != KEPT else sections.CUSTOM_ATTRIBUTES
        key = cut(name)
        if converted is not None and key != name:
            change = CUT if change == KEPT else change
            words, section = f"name cut to {MAX_LENGTH} characters; {words}", sections.CUT
        target = f"properties.{key}" if converted is not None else None
        notes.note(f"{source}.{name}", target, change, words, section, replaces_section=sections.CUT)
        if converted is not None:
            properties[key] = converted
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
