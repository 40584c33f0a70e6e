"""Fault injection: answer chosen Heap requests with an error, a delay or a dropped connection.

A rule matches a path (shell-style pattern, e.g. `/api/*`) and optionally a method, for the next
`times` matching requests or, with `probability` < 1, at random under a `seed` so runs repeat.
The control plane under `/_mock/` is never faulted. Pure: the view decides how to act on a match.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from heap_facts import fields
from heap_facts.fields import FieldError
from heap_mock.paths import HEAP_PREFIX, is_simulator_path

# The ranges parse_fault accepts, which the OpenAPI description also states (one place for each).
# 1xx are interim answers, not final ones: a server cannot end an exchange with them.
STATUS_RANGE = (200, 599)
RETRY_AFTER_RANGE = (0, 86400)
DELAY_MS_RANGE = (0, 60_000)
TIMES_RANGE = (1, 10**9)
SEED_RANGE = (-(2**63), 2**63)

FAULT_FIELDS = ("path", "method", "status", "retry_after", "delay_ms", "drop_connection", "times", "probability", "seed", "body", "after_processing")
FAULT = "fault"  # the root of each field's path in a message: fault.status
PATH_RULE = "a path such as /api/track (patterns like /api/* allowed; not /_mock/)"


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
    """Build a rule from a JSON body; FieldError names the field at fault if it is malformed."""
    fields.known_fields(fields.json_object(spec, FAULT), FAULT, FAULT_FIELDS)
    rule = FaultRule(id=rule_id, path=_fault_path(spec.get("path")))
    rule.method = fields.optional(spec, "method", FAULT, _http_method)
    rule.status = fields.optional(spec, "status", FAULT, _within(STATUS_RANGE, "an HTTP status"))
    rule.retry_after = fields.optional(spec, "retry_after", FAULT, _within(RETRY_AFTER_RANGE))
    rule.delay_ms = fields.optional(spec, "delay_ms", FAULT, _within(DELAY_MS_RANGE), 0)
    rule.times = fields.optional(spec, "times", FAULT, _within(TIMES_RANGE))
    rule.seed = fields.optional(spec, "seed", FAULT, _within(SEED_RANGE))
    rule.drop_connection = fields.optional(spec, "drop_connection", FAULT, fields.flag, False)
    rule.after_processing = fields.optional(spec, "after_processing", FAULT, fields.flag, False)
    rule.body = fields.optional(spec, "body", FAULT, lambda value, path: fields.text(value, path, what="a string", empty=True))
    rule.probability = fields.number(spec.get("probability", 1.0), f"{FAULT}.probability", low=0, high=1)  # null is no probability
    if not (rule.answers or rule.delay_ms):
        raise FieldError(FAULT, "must set status, drop_connection or delay_ms")
    rule._random = random.Random(rule.seed)
    return rule


def _fault_path(value: Any) -> str:
    """A path of Heap's (patterns allowed), never the simulator's own, which faults never touch."""
    path = fields.text(value, f"{FAULT}.path", what=PATH_RULE)
    if not path.startswith("/") or is_simulator_path(path):
        raise FieldError(f"{FAULT}.path", f"must be {PATH_RULE}", value)
    return path


def _http_method(value: Any, path: str) -> str | None:
    """An HTTP method such as POST; empty, like absent, matches any."""
    return fields.text(value, path, what="an HTTP method such as POST", empty=True).upper() or None


def _within(bounds: tuple[int, int], what: str = "a whole number") -> Callable[[Any, str], int]:
    """A whole number in `bounds` (503.0 is 503, as JSON Schema's integer says)."""
    return lambda value, path: fields.whole_number(value, path, *bounds, what=what)


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
