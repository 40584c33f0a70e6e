"""heap_mock: a local simulator of Heap Analytics' server-side HTTP API.

    from heap_mock import create_app, HeapMockServer
    with HeapMockServer() as mock:
        requests.post(f"{mock.url}/api/track", json={...})

The names below are imported on first use (PEP 562), so importing one module of the package
(`heap_mock.ratelimit`, say) does not load the servers, the console or the whole simulator.
"""

from __future__ import annotations

from typing import Any

from heap_facts.entry import lazy_exports

_EXPORTS = {
    "create_app": "heap_mock.app",
    "Config": "heap_mock.config",
    "ConfigError": "heap_mock.config",
    "HeapMockServer": "heap_mock.server",
    "SwitchableClock": "heap_mock.clock",
    "SystemClock": "heap_mock.clock",
    "VirtualClock": "heap_mock.clock",
}

__all__ = sorted(_EXPORTS)
_exported = lazy_exports(__name__, _EXPORTS)


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from heap_mock.version import version

        return version()
    return _exported(name)
