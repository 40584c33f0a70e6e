"""`Notes`: what the mapping did to each field of one mParticle event, gathered as it maps it.

The mapping (forwarder.mapping, forwarder.commerce, forwarder.values) takes an optional `Notes`
and, where it reads a field and writes a Heap field, notes the change there and then, so the
explanation is the mapping's own account rather than a second reading of its output. Without
notes (the default) the mapping does no extra work. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from forwarder import sections
from forwarder.model import DROPPED, AttributeChange


class Notes:
    """The changes noted for one mParticle event, in the order the mapping made them."""

    def __init__(self) -> None:
        self.changes: list[AttributeChange] = []
        self.heap_event: int | None = 0  # which of the event's Heap events the next notes are about
        self._by_target: dict[tuple[int | None, str], int] = {}
        self.read: set[str] = set()  # the event's top-level data fields the mapping used

    def note(
        self, source: str, target: str | None, change: str, words: str, section: str, *,
        replaces_section: str = sections.CUSTOM_ATTRIBUTES, every_event: bool = False,
    ) -> None:
        """One field's fate (`every_event`: for each Heap event the mParticle event became). A later
        note for the same Heap field marks the earlier one dropped, replaced (`replaces_section`
        says why: by default 4.1, the mapping's own fields win over custom attributes)."""
        self.used(source.split(".", 1)[0].split("[", 1)[0])
        heap_event = None if every_event else self.heap_event
        if target is not None:
            key = (heap_event, target)
            earlier = self._by_target.get(key)
            if earlier is not None:
                replaced = self.changes[earlier]
                self.changes[earlier] = AttributeChange(
                    replaced.source, None, DROPPED, f"replaced by {source}, which sets {target} too", replaces_section, replaced.heap_event
                )
            self._by_target[key] = len(self.changes)
        self.changes.append(AttributeChange(source, target, change, words, section, heap_event))

    def used(self, *fields: str) -> None:
        """Top-level fields the mapping read, noted or not (an empty custom_attributes), so
        `left_out` does not report them."""
        self.read.update(fields)

    def retarget(self, target: str, new_target: str | None, change: str, words: str, section: str) -> None:
        """Change the note that wrote `target` (of the current Heap event): a property renamed or
        dropped after it was converted (user properties named id, 6.2)."""
        position = self._by_target.pop((self.heap_event, target))
        old = self.changes[position]
        self.changes[position] = AttributeChange(old.source, new_target, change, words, section, old.heap_event)
        if new_target is not None:
            self._by_target[(self.heap_event, new_target)] = position

    def left_out(self, data: Mapping[str, Any], section: str = sections.FIELDS_LEFT_OUT, skip: Iterable[str] = ()) -> None:
        """Every top-level field of `data` the mapping did not use, noted as dropped (3.4 by default)."""
        ignored = set(skip)
        for name in data:
            if name not in self.read and name not in ignored and data[name] is not None:
                self.note(name, None, DROPPED, "not part of a Heap event: not sent", section, every_event=True)
