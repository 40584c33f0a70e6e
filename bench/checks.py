"""What a benchmark's figures must be whatever the machine's speed, and the judging of them.

Each `bench/bench_<name>.py` lists its `CHECKS`: one-line statements of what its figures promise
(nothing refused or lost that should not be, peaks under their bounds, a delay far under its
target), each with the predicate that decides it. Speeds themselves are never checked: the README
records them from full runs. `python -m bench` judges every run with `judge` and exits non-zero
naming each statement that does not hold, so the quick pass CI runs fails on nonsense figures, not
only on a benchmark that crashes. Pure: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Figures = dict[str, float]


class MissingFigure(LookupError):
    """A check asked for figures the benchmark did not report."""


@dataclass(frozen=True)
class Check:
    """One promise a benchmark's figures keep: `statement` says it, `holds` decides it."""

    statement: str
    holds: Callable[[Figures], bool]


def ending(figures: Figures, suffix: str) -> list[float]:
    """Every figure whose name ends with `suffix`; MissingFigure if there is none, so `all(...)` of
    nothing can never pass a check by default."""
    values = [value for name, value in figures.items() if name.endswith(suffix)]
    if not values:
        raise MissingFigure(f"no figure ends with {suffix!r}")
    return values


def containing(figures: Figures, part: str) -> list[str]:
    """The names of every figure with `part` in its name; MissingFigure if there is none."""
    names = [name for name in figures if part in name]
    if not names:
        raise MissingFigure(f"no figure has {part!r} in its name")
    return names


def judge(figures: Figures, checks: Sequence[Check], *, printed: bool = True) -> list[str]:
    """What is wrong with one benchmark's run, one line each (empty when nothing is)."""
    if not figures:
        return ["reported no figures"]
    wrong = [f"{name} = {value!r} is not a finite number" for name, value in figures.items() if not _finite(value)]
    if not printed:
        wrong.append("printed nothing")
    if not checks:
        wrong.append("declares no CHECKS: say what its figures must be")
    return wrong + [failure for check in checks if (failure := _failure(check, figures))]


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _failure(check: Check, figures: Figures) -> str | None:
    """The check's statement if it does not hold; a check that cannot be decided (a figure missing) does not hold either."""
    try:
        return None if check.holds(figures) else check.statement
    except (LookupError, TypeError, ZeroDivisionError) as error:
        return f"{check.statement} (cannot be decided: {type(error).__name__}: {error})"
