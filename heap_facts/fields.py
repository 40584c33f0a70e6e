"""Typed checks of settings and control-plane input: the one way heap-sim says what a field must hold.

Each check takes a value and the field's path (`config.limits.track.limit`, `fault.status`,
`clock.advance`, `app_id`), and returns the value as its type or raises `FieldError`, which names
the path, the rule and what was given, shown safely: cut short, on one line, never the repr of
something huge (`repr` of a 5,000-digit int raises in Python 3.11).

Who checks with it: the simulator's config and session files (`heap_mock.config`,
`heap_mock.store.session`), its control plane's bodies (`heap_mock.store.faults`,
`heap_mock.control.api`), the forwarder's connection settings and command-line numbers
(`forwarder.settings`, `forwarder.options`), and the front's `/_front/` writes.

What the words mean, everywhere:
- a number is a JSON number: never a boolean (Python's `True` is an int, so `isinstance(x, int)`
  alone takes it), never NaN or an infinity;
- a whole number is a number with no fractional part, `5.0` included, as JSON Schema's `integer`
  and a JavaScript reader take it (`whole`), and at most 2^53 in a float, past which a float no
  longer holds every whole number;
- a text is a non-empty string unless the check says it may be empty.

Why it lives in heap_facts: heap_mock and forwarder both check settings and neither may import the
other (tests/test_layers.py); heap_facts is the one package every layer may import and that imports
nothing of ours, as `entry.py` (the command-line guard all three commands share) already shows. It
holds no fact of Heap's, and tests/facts/test_facts.py leaves it out of the facts it guards.

Why conformance fixtures keep jsonschema: a fixture is a data file with a published shape
(`fixtures/schema.json`, and mParticle's own Events API schema for its batches) that other
implementations read too. A schema is that shape as data, in a standard any tool can apply, and it
reports every violation of a file at once; a test checks every fixture against it. A setting or a
control body is a handful of values read where they are used, each of whose messages must say what
to write instead: that is this module's job.

Pure: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from typing import Any

from heap_facts.lengths import MAX_SAFE_INTEGER
from heap_facts.times import SUITE_START, parse_iso

SHOWN_CHARS = 40  # of a text, in a message
MAX_EXACT_FLOAT = MAX_SAFE_INTEGER + 1  # past it a float no longer holds every whole number
_NOTHING = object()


class FieldError(ValueError):
    """A field whose value breaks its rule. `path` names the field, `rule` says what it must be
    (`must be a whole number from 200 to 599`), `shown` what it was (None when no value is shown)."""

    def __init__(self, path: str, rule: str, value: Any = _NOTHING) -> None:
        self.path, self.rule = path, rule
        self.shown = None if value is _NOTHING else shown(value)
        super().__init__(f"{path} {self.problem}")

    @property
    def problem(self) -> str:
        """The rule and what was given, without the field's name (argparse names the option itself)."""
        return self.rule if self.shown is None else f"{self.rule}, got {self.shown}"


def shown(value: Any) -> str:
    """A value as a message shows it: its kind and a short, one-line form of it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, int):
        return f"the number {value}" if abs(value) < 10**18 else f"a whole number of {_digits(value)} digits"
    if isinstance(value, float):
        return f"the number {value!r}"
    if isinstance(value, str):
        if not value:
            return "empty text"
        more = f"... ({len(value)} characters)" if len(value) > SHOWN_CHARS else ""
        return f"the text {value[:SHOWN_CHARS]!r}{more}"
    if isinstance(value, (list, tuple)):
        return "a list"
    return "an object" if isinstance(value, Mapping) else f"a {type(value).__name__}"


def _digits(value: int) -> int:
    return int(value.bit_length() * math.log10(2)) + 1  # without str(), which refuses over 4,300 digits


# --- predicates: what a JSON value is -------------------------------------------------------------


def is_number(value: Any) -> bool:
    """A finite JSON number (never a boolean)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and (isinstance(value, int) or math.isfinite(value))


def whole(value: Any) -> int | None:
    """`value` as an int if it is a whole JSON number (`27127.0` is 27127), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not (value.is_integer() and abs(value) <= MAX_EXACT_FLOAT):  # NaN, infinities too
        return None
    return int(value)


# --- checks: each returns the value as its type, or raises FieldError -----------------------------


def whole_number(value: Any, path: str, low: int | None = None, high: int | None = None, *, what: str = "a whole number") -> int:
    """A whole number within `low`..`high` (either may be open); `what` names what it is (an HTTP status)."""
    number = whole(value)
    if number is None or (low is not None and number < low) or (high is not None and number > high):
        raise FieldError(path, f"must be {_whole_rule(low, high, what)}", value)
    return number


def _whole_rule(low: int | None, high: int | None, what: str) -> str:
    if low is not None and high is not None:
        return f"{what} from {low} to {high}"
    if low == 1 and what == "a whole number":
        return "a positive whole number"
    if low is not None:
        return f"{what} >= {low}"
    return what if high is None else f"{what} <= {high}"


def number(value: Any, path: str, *, low: float | None = None, above: float | None = None, high: float | None = None, unit: str = "") -> float:
    """A finite number, at least `low` or more than `above`, and at most `high`; `unit` names what it counts."""
    checked = _as_float(value)
    ok = checked is not None and (low is None or checked >= low) and (above is None or checked > above) and (high is None or checked <= high)
    if checked is None or not ok:
        raise FieldError(path, f"must be {_number_rule(low, above, high, unit)}", value)
    return checked


def _as_float(value: Any) -> float | None:
    """A number as a float, or None: not a number, not finite, or an int too large for a float (10**400)."""
    if not is_number(value):
        return None
    try:
        return float(value)
    except OverflowError:
        return None


def _number_rule(low: float | None, above: float | None, high: float | None, unit: str) -> str:
    noun = f"a number of {unit}" if unit else "a number"
    if low is not None and high is not None:
        return f"{noun} from {_bound(low)} to {_bound(high)}"
    bounds = [f">= {_bound(low)}" if low is not None else "", f"> {_bound(above)}" if above is not None else "", f"<= {_bound(high)}" if high is not None else ""]
    return " ".join([noun, " and ".join(bound for bound in bounds if bound)]).strip()


def _bound(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def seconds(value: Any, path: str, *, positive: bool = False) -> float:
    """A number of seconds: 0 or more, or with `positive` more than 0."""
    return number(value, path, low=None if positive else 0, above=0 if positive else None, unit="seconds")


def flag(value: Any, path: str) -> bool:
    """true or false, and nothing that merely reads as one (1, "yes")."""
    if not isinstance(value, bool):
        raise FieldError(path, "must be true or false", value)
    return value


def one_of(value: Any, path: str, choices: Collection[str]) -> str:
    """One of `choices`, spelled exactly."""
    if not isinstance(value, str) or value not in choices:
        raise FieldError(path, f"must be {choice_list(choices)}", value)
    return value


def choice_list(choices: Collection[str]) -> str:
    """`"a", "b" or "c"`: choices as a rule states them."""
    quoted = [f'"{choice}"' for choice in choices]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def text(value: Any, path: str, *, what: str = "a non-empty string", empty: bool = False) -> str:
    """A string; not an empty one unless `empty`. `what` says what the string is for."""
    if not isinstance(value, str) or (not empty and value == ""):
        raise FieldError(path, f"must be {what}", value)
    return value


def optional_text(value: Any, path: str, *, what: str = "a non-empty string") -> str | None:
    """None, or a non-empty string."""
    return None if value is None else text(value, path, what=f"{what} or null")


def names(value: Any, path: str, *, what: str = "a list of names") -> tuple[str, ...]:
    """A list of non-empty strings."""
    if not isinstance(value, (list, tuple)) or not all(isinstance(name, str) and name.strip() for name in value):
        raise FieldError(path, f"must be {what}", value)
    return tuple(value)


def instant(value: Any, path: str) -> float:
    """An ISO 8601 date-time from year 1 to 9999, as epoch seconds (heap_facts.times)."""
    try:
        return parse_iso(value) if isinstance(value, str) else _not_an_instant()
    except ValueError:
        raise FieldError(path, f"must be an ISO 8601 date-time from year 1 to 9999, such as {SUITE_START}", value) from None


def _not_an_instant() -> float:
    raise ValueError


def json_object(value: Any, path: str) -> dict[str, Any]:
    """A JSON object."""
    if not isinstance(value, dict):
        raise FieldError(path, "must be an object", value)
    return value


def json_list(value: Any, path: str) -> list[Any]:
    """A JSON array."""
    if not isinstance(value, list):
        raise FieldError(path, "must be a list", value)
    return value


def string_or_number(value: Any, path: str, *, what: str = "a string or a number") -> str | int | float:
    """A string or a finite number: what Heap stores as a property's value."""
    if not (isinstance(value, str) or is_number(value)):
        raise FieldError(path, f"must be {what}", value)
    checked: str | int | float = value
    return checked


def known_fields(values: Mapping[str, Any], path: str, known: Collection[str]) -> None:
    """Refuse the first field not in `known`, so that a typo never leaves a default silently in force."""
    unknown = sorted(str(key) for key in values if key not in known)
    if unknown:
        raise FieldError(join(path, unknown[0]), f"is unknown; known: {', '.join(sorted(known))}")


def optional(values: Mapping[str, Any], key: str, path: str, check: Callable[[Any, str], Any], default: Any = None) -> Any:
    """`check` applied to `values[key]` at `path.key`, or `default` when the key is absent or null."""
    value = values.get(key)
    return default if value is None else check(value, join(path, key))


def join(path: str, key: str) -> str:
    """The path of a field inside another: `fault` and `status` make `fault.status`."""
    return f"{path}.{key}" if path else key


def from_text(value: str) -> int | float | str:
    """A command-line value as the number it spells, or the text itself, for a check to judge."""
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            continue
    return value
