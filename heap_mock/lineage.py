"""Lineage from the sender: the `X-Heap-Sim-Lineage` request header, kept as opaque text.

A sender (heap-forward serve does) may say where a request came from; the simulator keeps the
header's text with the request's journal entry and with every event the request stored, and the
console shows it (as a link when it is an http(s) URL). The simulator never interprets it, so it
knows nothing of the sender. The text is cut to MAX_LINEAGE_CHARS and stripped of control
characters, so a hostile header can neither grow the store nor break a log line.
"""

from __future__ import annotations

from typing import Any

LINEAGE_HEADER = "X-Heap-Sim-Lineage"
_ENVIRON_KEY = "HTTP_X_HEAP_SIM_LINEAGE"
MAX_LINEAGE_CHARS = 2048


def lineage_of(environ: dict[str, Any]) -> str | None:
    """The request's lineage text, or None when it sent none."""
    raw = environ.get(_ENVIRON_KEY)
    if not raw:
        return None
    if not raw.isascii():
        raw = raw.encode("latin-1", "replace").decode("utf-8", "replace")  # PEP 3333 passes headers as latin-1
    text = "".join(char for char in raw[:MAX_LINEAGE_CHARS] if char.isprintable())
    return text or None
