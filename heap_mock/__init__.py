"""heap_mock: a local simulator of Heap Analytics' server-side HTTP API.

    from heap_mock import create_app, HeapMockServer
    with HeapMockServer() as mock:
        requests.post(f"{mock.url}/api/track", json={...})
"""

from heap_mock.app import create_app
from heap_mock.clock import SwitchableClock, SystemClock, VirtualClock
from heap_mock.config import Config, ConfigError
from heap_mock.server import HeapMockServer
from heap_mock.version import VERSION as __version__

__all__ = ["Config", "ConfigError", "HeapMockServer", "SwitchableClock", "SystemClock", "VirtualClock", "create_app"]
