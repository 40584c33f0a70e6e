"""Values that travel from the mapping to delivery, the CLI and the conformance suite.

Errors:

    ForwarderError
    └── BatchRejected   a batch too broken to map; names the JSON path
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from heap_facts.names import EVENT_TYPE_FIELD
from heap_facts.paths import ADD_USER_PROPERTIES


class ForwarderError(Exception):
    """Base of the forwarder's own errors."""


class BatchRejected(ForwarderError):
    """A structurally broken batch: nothing of it is sent. `path` is the JSON path of the problem."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


@dataclass(frozen=True)
class HeapRequest:
    """One HTTP request to Heap: its path and JSON body, in the order it should be sent."""

    path: str
    body: dict[str, Any]
    # Which event of the batch it was mapped from (None: the batch's user attributes), for lineage.
    event_index: int | None = field(default=None, compare=False)
    # Headers to send besides Content-Type, e.g. the front's link back to the event's lineage.
    headers: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def kind(self) -> str:
        """`track` (one event), `bulk_track` (`events[]`) or `user_properties`: the limit family it counts against."""
        if self.path == ADD_USER_PROPERTIES:
            return "user_properties"
        return "bulk_track" if "events" in self.body else "track"

    @property
    def heap_events(self) -> int:
        """How many Heap events the request carries (0 for user properties)."""
        if self.path == ADD_USER_PROPERTIES:
            return 0
        events = self.body.get("events")
        return len(events) if isinstance(events, list) else 1

    def events_per_identity(self) -> dict[str, int]:
        """Events (or, for user properties, requests) per identity: what the per-identity limits count."""
        events = self.body.get("events")
        if not isinstance(events, list):
            return {str(self.body.get("identity")): 1}
        counts: dict[str, int] = {}
        for event in events:
            identity = str(event.get("identity"))
            counts[identity] = counts.get(identity, 0) + 1
        return counts

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "body": self.body}


class SkipCause(NamedTuple):
    """Why a whole batch (or one event) is not sent: the reason, its MAPPING.md section, and the
    connection setting that decided it, if one did."""

    reason: str
    section: str
    setting: str | None = None


@dataclass(frozen=True)
class FailedRequest:
    """A Heap request that could not be delivered, with the last reason and how often it was tried."""

    request: HeapRequest
    status: int | None
    reason: str
    attempts: int

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.request.path,
            "heap_events": self.request.heap_events,
            "status": self.status,
            "reason": self.reason,
            "attempts": self.attempts,
        }


@dataclass(frozen=True)
class SkippedEvent:
    """An mParticle event (or, with `index` None, a batch's user attributes) deliberately not sent.

    `section` is the MAPPING.md section that decides it (forwarder.sections); `setting` names the
    connection setting that decided it, when one did (a different value would have sent it).
    """

    index: int | None
    event_type: str
    reason: str
    section: str = field(default="", compare=False)
    setting: str | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, EVENT_TYPE_FIELD: self.event_type, "reason": self.reason}

    def explained(self) -> dict[str, Any]:
        """The skip as the pipeline view shows it: with the deciding section and setting."""
        return {**self.to_json(), "section": self.section, "setting": self.setting}


# What the mapping did to one field: sent as it was, under another name, as another kind of
# value, cut shorter, left out, or added by the mapping itself.
KEPT, RENAMED, CONVERTED, CUT, DROPPED, ADDED = "kept", "renamed", "converted", "cut", "dropped", "added"


@dataclass(frozen=True)
class AttributeChange:
    """One mParticle field on its way to Heap, as the mapping itself reports it (`explain=True`).

    `source` is where it was in the mParticle event ("custom_attributes.color", "event_name",
    "product_action.products[1].price"), `target` the Heap field it became ("properties.color",
    "event"; None when dropped), `heap_event` which of the event's Heap events carries it (0 for a
    plain event; commerce: the position among its main events and items; None for all of them).
    """

    source: str
    target: str | None
    change: str  # KEPT, RENAMED, CONVERTED, CUT, DROPPED or ADDED
    note: str
    section: str  # forwarder.sections
    heap_event: int | None = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source, "target": self.target, "change": self.change, "note": self.note,
            "section": self.section, "heap_event": self.heap_event,
        }  # fmt: skip


@dataclass(frozen=True)
class EventExplanation:
    """Everything the mapping did with one mParticle event (`index` None: the batch's user attributes)."""

    index: int | None
    changes: tuple[AttributeChange, ...] = ()
    skipped: SkippedEvent | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "changes": [change.to_json() for change in self.changes],
            "skipped": self.skipped.explained() if self.skipped is not None else None,
        }


@dataclass(frozen=True)
class MappingResult:
    """Everything one batch becomes: the ordered Heap requests, and what was skipped and why."""

    requests: tuple[HeapRequest, ...]
    skipped: tuple[SkippedEvent, ...] = ()
    events_in: int = 0
    identity: str | None = None
    # With map_batch(..., explain=True): per event, what became of each field (else empty).
    explanations: tuple[EventExplanation, ...] = ()
    # What a setting keeps back by design (user attributes while forward_user_attributes is off):
    # shown with the reason, but not counted as skipped.
    withheld: tuple[SkippedEvent, ...] = ()

    @property
    def heap_events(self) -> int:
        return sum(request.heap_events for request in self.requests)
