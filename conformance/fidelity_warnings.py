"""Warnings a forwarder's requests drew: accepted by the simulator (as by live Heap) but outside
Heap's docs. Findings that fail a run only when asked (`heap-conformance --fail-on-warnings`).

The simulator, under its default fidelity `observed`, keeps a warning with each such request in its
journal (rule ID, JSON path, the fact that triggered it, the evidence and its source). This module
reads them from the journal and names what the forwarder did in a developer's words.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conformance.received import JournalEntry

# What a forwarder did to draw each simulator warning, in a report reader's words.
WHAT_IT_DID = {
    "properties.boolean": "sent booleans: accepted by live Heap but outside the documented types (number or string)",
    "user_properties.reserved_id": "sent a user property named id: live Heap accepts the request but does not set it",
    "properties.value_length": "sent a value of exactly 1024 characters: Heap's docs ask for fewer than 1024",
}


@dataclass(frozen=True)
class RequestWarningFinding:
    """One warning on one request the forwarder sent."""

    fixture_id: str
    request_id: str
    endpoint: str  # the Heap path, e.g. /api/track
    rule_id: str
    json_path: str
    fact: str
    evidence: str
    source: str

    @property
    def what_it_did(self) -> str:
        return WHAT_IT_DID.get(self.rule_id, f"broke {self.rule_id}, accepted anyway")

    def line(self) -> str:
        return f"{self.request_id} {self.endpoint}: {self.json_path}: {self.fact}"

    @classmethod
    def from_journal(cls, fixture_id: str, entry: JournalEntry, warning: dict[str, Any]) -> RequestWarningFinding:
        return cls(
            fixture_id, entry.id, entry.path, warning["rule_id"], warning["path"], warning["fact"], warning["evidence"], warning["source"]
        )


def warnings_in(fixture_id: str, journal: tuple[JournalEntry, ...]) -> tuple[RequestWarningFinding, ...]:
    """Every warning of every journaled request, in arrival order."""
    return tuple(RequestWarningFinding.from_journal(fixture_id, entry, warning) for entry in journal for warning in entry.warnings)


def by_rule(findings: tuple[RequestWarningFinding, ...]) -> list[tuple[str, list[RequestWarningFinding]]]:
    """The findings grouped by rule, most frequent first (ties by rule ID)."""
    counts = Counter(finding.rule_id for finding in findings)
    order = sorted(counts, key=lambda rule_id: (-counts[rule_id], rule_id))
    return [(rule_id, [f for f in findings if f.rule_id == rule_id]) for rule_id in order]
