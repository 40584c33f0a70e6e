"""The look the simulator's console and heap-forward serve's pages share: one style sheet, one icon
and one module of DOM helpers (text always as text, never HTML) in `heap_facts/static/`, served by
each server under its own prefix, so the two read as one tool without a second copy of any file."""

from __future__ import annotations

from pathlib import Path

LOOK_DIR = Path(__file__).resolve().parent / "static"
SHARED_FILES = frozenset({"look.css", "favicon.svg", "dom.js"})

