"""Which paths are whose: Heap's under `/api/`, the simulator's own under `/_mock/` (plus the
console at `/` and `/openapi.json`). The one answer to "is this our own path?"."""

from __future__ import annotations

from typing import Any

HEAP_PREFIX = "/api/"
CONTROL_PREFIX = "/_mock"
SIMULATOR_PAGES = frozenset({"/", "/openapi.json"})


def is_simulator_path(path: str) -> bool:
    """The simulator's own paths (control plane, console, OpenAPI), as opposed to Heap traffic.

    Only Heap traffic (and unknown paths) is journaled and can be faulted.
    """
    return path.startswith(CONTROL_PREFIX) or path in SIMULATOR_PAGES


def request_path(environ: dict[str, Any]) -> str:
    """The path as werkzeug would give it: UTF-8 decoded (PEP 3333 passes latin-1), one leading slash."""
    raw: str = environ.get("PATH_INFO") or "/"
    if not raw.isascii():
        raw = raw.encode("latin-1", "replace").decode("utf-8", "replace")
    return raw if raw.startswith("/") and not raw.startswith("//") else "/" + raw.lstrip("/")
