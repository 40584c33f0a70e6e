"""Fault injection: answer chosen Heap requests with an error, a delay or a dropped connection.

A rule matches a path (shell-style pattern, e.g. `/api/*`) and optionally a method, for the next
`times` matching requests or, with `probability` < 1, at random under a `seed` so runs repeat.
The control plane under `/_mock/` is never faulted. Pure: the view decides how to act on a match.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

from heap_mock.endpoints.json_numbers import whole_number
from heap_mock.errors import ControlError
from heap_mock.paths import HEAP_PREFIX, is_simulator_path

# The ranges parse_fault accepts, which the OpenAPI description also states (one place for each).
# 1xx are interim answers, not final ones: a server cannot end an exchange with them.
STATUS_RANGE = (200, 599)
RETRY_AFTER_RANGE = (0, 86400)
DELAY_MS_RANGE = (0, 60_000)
TIMES_RANGE = (1, 10**9)
SEED_RANGE = (-(2**63), 2**63)

_FIELDS = {"path", "method", "status", "retry_after", "delay_ms", "drop_connection", "times", "probability", "seed", "body", "after_processing"}


@dataclass
class FaultRule:
    id: int
    path: str
    method: str | None = None
    status: int | None = None
    retry_after: int | None = None
    delay_ms: int = 0
    drop_connection: bool = False
    times: int | None = None  # None: every matching request
    probability: float = 1.0
    seed: int | None = None
    body: str | None = None
    # False (default): the request is refused before it is processed and stores nothing.
    # True: it is processed and stored, then its answer is replaced (a lost response).
    after_processing: bool = False
    matched: int = 0
    _random: random.Random = field(default_factory=random.Random, repr=False)

    @property
    def answers(self) -> bool:
        """Whether the fault replaces the answer (a delay-only fault lets the request through)."""
        return self.status is not None or self.drop_connection

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("_random")
        data["remaining"] = None if self.times is None else self.times - self.matched
        return data


def parse_fault(spec: Any, rule_id: int) -> FaultRule:
    """Build a rule from a JSON body, naming the field at fault if it is malformed."""
    if not isinstance(spec, dict):
        raise ControlError("fault should be a JSON object")
    unknown = set(spec) - _FIELDS
    if unknown:
        raise ControlError(f"unknown fault field(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(_FIELDS))}")
    path = spec.get("path")
    if not isinstance(path, str) or not path.startswith("/") or is_simulator_path(path):
        raise ControlError("fault.path should be a path such as /api/track (patterns like /api/* allowed; not /_mock/)")
    rule = FaultRule(id=rule_id, path=path)
    rule.method = _optional(spec, "method", str, "an HTTP method such as POST")
    rule.status = _checked_int(spec, "status", *STATUS_RANGE)
    rule.retry_after = _checked_int(spec, "retry_after", *RETRY_AFTER_RANGE)
    rule.delay_ms = _checked_int(spec, "delay_ms", *DELAY_MS_RANGE) or 0
    rule.times = _checked_int(spec, "times", *TIMES_RANGE)
    rule.seed = _checked_int(spec, "seed", *SEED_RANGE)
    rule.drop_connection = bool(_optional(spec, "drop_connection", bool, "true or false"))
    rule.after_processing = bool(_optional(spec, "after_processing", bool, "true or false"))
    rule.body = _optional(spec, "body", str, "a string")
    rule.probability = _probability(spec)
    if not (rule.answers or rule.delay_ms):
        raise ControlError("fault should set status, drop_connection or delay_ms")
    rule.method = rule.method.upper() if rule.method else None
    rule._random = random.Random(rule.seed)
    return rule


def _optional(spec: dict[str, Any], key: str, kind: type, wanted: str) -> Any:
    value = spec.get(key)
    if value is not None and not isinstance(value, kind):
        raise ControlError(f"fault.{key} should be {wanted}")
    return value


def _checked_int(spec: dict[str, Any], key: str, low: int, high: int) -> int | None:
    value = spec.get(key)
    if value is None:
        return None
    number = whole_number(value, low, high)  # 503.0 is 503, as JSON Schema's integer says
    if number is None:
        raise ControlError(f"fault.{key} should be a whole number from {low} to {high}")
    return number


def _probability(spec: dict[str, Any]) -> float:
    value = spec.get("probability", 1.0)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0.0 <= value <= 1.0:
        raise ControlError("fault.probability should be a number from 0 to 1")
    return float(value)


class FaultInjector:
    """The active rules, in the order they were added.

    Lock discipline: one lock guards the rules and their counters; every public method takes it.
    `rules` may be read without it to ask whether there are any (a list's truth is atomic).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rules: list[FaultRule] = []
        self._next_id = 1

    def add(self, spec: Any) -> FaultRule:
        with self.lock:
            rule = parse_fault(spec, self._next_id)
            self._next_id += 1
            self.rules.append(rule)
            return rule

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()

    def to_json(self) -> list[dict[str, Any]]:
        with self.lock:
            return [rule.to_json() for rule in self.rules]

    def match(self, method: str, path: str) -> FaultRule | None:
        """The first live rule that fires for this Heap request; using it counts down its `times`."""
        if not path.startswith(HEAP_PREFIX):
            return None  # only Heap's paths are faulted, not unknown ones
        with self.lock:
            for rule in self.rules:
                if self._fires(rule, method, path):
                    rule.matched += 1
                    if rule.times is not None and rule.matched >= rule.times:
                        self.rules.remove(rule)
                    return rule
        return None

    @staticmethod
    def _fires(rule: FaultRule, method: str, path: str) -> bool:
        if rule.method and rule.method != method:
            return False
        if not fnmatch.fnmatchcase(path, rule.path):
            return False
        return rule.probability >= 1.0 or rule._random.random() < rule.probability
