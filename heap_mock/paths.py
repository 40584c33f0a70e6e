"""Which paths are whose: Heap's under `/api/`, the simulator's own under `/_mock/` (plus the
console at `/` and `/openapi.json`). The one answer to "is this our own path?"."""

from __future__ import annotations

from heap_facts.paths import HEAP_PREFIX

__all__ = ["CONTROL_PREFIX", "HEAP_PREFIX", "SIMULATOR_PAGES", "is_simulator_path"]

CONTROL_PREFIX = "/_mock"
SIMULATOR_PAGES = frozenset({"/", "/openapi.json", "/favicon.ico"})


def is_simulator_path(path: str) -> bool:
    """The simulator's own paths (control plane, console, OpenAPI), as opposed to Heap traffic.

    Only Heap traffic (and unknown paths) is journaled and can be faulted.
    """
    return path.startswith(CONTROL_PREFIX) or path in SIMULATOR_PAGES
