"""Fidelity: where Heap's docs and the live server's behaviour part, and what the simulator does.

A request is refused (400), accepted with warnings, or accepted. A warning is a documented rule
that live Heap was seen (or, for the length boundary, is believed) to let through: under the
`observed` fidelity (the default) the simulator accepts the request as live Heap did and attaches a
`RequestWarning`; under `documented` it refuses it, as the docs say Heap should.

Pure data and small functions, no I/O: the validators consult `LENIENT_RULES` through
`payload.Findings.tolerate`, and FIDELITY.md, the journal, `GET /_mock/events`, the console and the
conformance report all show the same `RequestWarning` values.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, NamedTuple

import orjson

from heap_mock.rules import Evidence, Rule


class Fidelity(str, Enum):
    OBSERVED = "observed"  # behave as live Heap was seen to: accept with a warning where the docs forbid
    DOCUMENTED = "documented"  # refuse everything Heap's docs forbid


FIDELITIES = tuple(f.value for f in Fidelity)


@dataclass(frozen=True)
class LenientRule:
    """A documented rule that the `observed` fidelity turns from a refusal into a warning."""

    rule_id: str
    observed: str  # what the simulator does under `observed`
    documented: str  # what it does under `documented`
    evidence: Evidence  # why `observed` accepts: seen on the live server, or only in clients
    source: str  # where that evidence is, resolvable without this repo's private notes
    advice: str  # what a developer should change before production


# Stored booleans: Heap takes "a number or string", so a boolean it accepts must become one of them.
# Assumption: the JSON text of the boolean, the strings "true" and "false" (what JavaScript's String()
# and every Heap client that stringifies gives); Heap's own storage of them is not documented.
BOOLEAN_TEXT = {True: "true", False: "false"}

LENIENT_RULES: dict[str, LenientRule] = {
    rule.rule_id: rule
    for rule in (
        LenientRule(
            "properties.boolean",
            observed='accepted with a warning; stored as the string "true" or "false" (our assumption)',
            documented="refused (400)",
            evidence=Evidence.OBSERVED,
            source=(
                "airbytehq/airbyte airbyte-integrations/connectors/destination-heap-analytics/"
                "integration_tests/integration_test.py (test_write, live against heapanalytics.com, app_id 11) "
                "with sample_files/config-events.json and config-aap.json: `blocked: false` on /api/track, "
                "`email_verified: false, blocked: false` on /api/add_account_properties, counted as loaded "
                "only after raise_for_status() passed (AIR)"
            ),
            advice='send "true"/"false" (or 1/0) yourself: Heap documents only numbers and strings',
        ),
        LenientRule(
            "user_properties.reserved_id",
            observed="accepted with a warning; the `id` property is not stored",
            documented="refused (400)",
            evidence=Evidence.OBSERVED,
            source=(
                "segment-boneyard/integration-heap test/index.js (`.identify()` should return success, "
                "expects(200) from live heapanalytics.com) sending test/fixtures/identify.json, whose "
                'add_user_properties body holds `"id": "user-id"` (SEG-old)'
            ),
            advice="rename the property: Heap's docs say a user property named id cannot be set, so it is dropped",
        ),
        LenientRule(
            "properties.value_length",
            observed="a value of exactly 1024 characters is accepted with a warning; longer ones are refused (400)",
            documented="values of 1024 characters or more are refused (400)",
            evidence=Evidence.CLIENTS,
            source=(
                'the seed page (mParticle "truncates all event attribute names and values to 1024 characters", '
                "so its integration sends 1024-character values); mParticle's Heap web kit cuts at 1023 (KIT); "
                'Heap\'s track docs: "fewer than 1024 characters" (D-track)'
            ),
            advice="cut values to 1023 characters: Heap's docs ask for fewer than 1024",
        ),
    )
}


class RequestWarning(NamedTuple):
    """One documented rule a request broke and was accepted anyway, under `observed` fidelity.

    A tuple of strings, so a journal or event store holding many stays untracked by the GC.
    """

    rule_id: str
    path: str  # the JSON path, e.g. postBody.events[0].properties.blocked
    fact: str  # what triggered it, e.g. "boolean false"

    @property
    def rule(self) -> LenientRule:
        return LENIENT_RULES[self.rule_id]

    def to_json(self) -> dict[str, str]:
        rule = self.rule
        return {
            "rule_id": self.rule_id,
            "path": self.path,
            "fact": self.fact,
            "evidence": rule.evidence.value,
            "source": rule.source,
            "message": f"{self.path}: {self.fact}; {rule.observed}. Fix: {rule.advice}",
        }


def warnings_json(warnings: tuple[RequestWarning, ...] | list[RequestWarning]) -> list[dict[str, str]]:
    return [warning.to_json() for warning in warnings]


def freeze_warnings(warnings: tuple[RequestWarning, ...]) -> str | None:
    """Warnings as the plain text the stores keep (None for none, the common case): a nested
    tuple would keep a stored entry tracked by the garbage collector (see heap_mock.store.events)."""
    return orjson.dumps([tuple(warning) for warning in warnings]).decode() if warnings else None


def thaw_warnings(frozen: str | None) -> tuple[RequestWarning, ...]:
    return tuple(RequestWarning(*warning) for warning in orjson.loads(frozen)) if frozen else ()


def summarise(value: Any) -> str:
    """A short description of a property value for a warning's `fact` (never the whole value)."""
    if isinstance(value, bool):
        return f"boolean {BOOLEAN_TEXT[value]}"
    if isinstance(value, str):
        return f"string of {len(value)} characters"
    return type(value).__name__


def under(rule: Rule) -> tuple[str, str]:
    """What the `observed` and `documented` fidelities do with a rule of the catalogue."""
    lenient = LENIENT_RULES.get(rule.id)
    if lenient is None:
        return "as stated", "as stated"
    return lenient.observed, lenient.documented


def rule_json(rule: Rule) -> dict[str, str]:
    """A rule as `GET /_mock/rules` shows it: the catalogue entry and what each fidelity does."""
    observed, documented = under(rule)
    return {**vars(rule), "evidence": rule.evidence.value, "under_observed": observed, "under_documented": documented}
