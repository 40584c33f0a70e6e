"""Lineage from the sender: the `X-Heap-Sim-Lineage` request header, kept as opaque text.

A sender (heap-forward serve does) may say where a request came from; the simulator keeps the
header's text with the request's journal entry and with every event the request stored, and the
console shows it (as a link when it is an http(s) URL). The simulator never interprets it, so it
knows nothing of the sender. The text is cut to MAX_LINEAGE_CHARS and stripped of control
characters, so a hostile header can neither grow the store nor break a log line.
"""

from __future__ import annotations

from heap_facts.wire import LINEAGE_HEADER

__all__ = ["LINEAGE_HEADER", "MAX_LINEAGE_CHARS", "lineage_of"]
MAX_LINEAGE_CHARS = 2048


def lineage_of(header: str | None) -> str | None:
    """The request's lineage text, or None when it sent none."""
    if not header:
        return None
    text = "".join(char for char in header[:MAX_LINEAGE_CHARS] if char.isprintable())
    return text or None
