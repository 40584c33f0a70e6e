"""The look both sites' pages share: one style sheet, one icon and one module of DOM helpers (text
always as text, never HTML) in `http_layer/look_static/`, served by each site under its own prefix,
so the simulator's console and the front's pipeline view read as one tool without a second copy of
any file. The layer's, like the page headers (`http_layer.origin_policy.PAGE_HEADERS`): it knows
nothing of what the pages show."""

from __future__ import annotations

from pathlib import Path

LOOK_DIR = Path(__file__).resolve().parent / "look_static"
SHARED_FILES = frozenset({"look.css", "favicon.svg", "dom.js"})
