"""`HeapMockServer`: a simulator on a real port, for tests and Python users.

`with HeapMockServer(config) as mock: mock.url` runs the simulator on the server `heap-mock serve`
runs by default (granian, in a background thread of this process), so tests exercise what users
run, with in-process access to the state and the clock (`mock.simulator`). `server="waitress"`
runs it on waitress instead, as `heap-mock serve --server waitress` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from heap_mock.app import create_app
from heap_mock.clock import Clock
from heap_mock.config import Config
from heap_mock.simulator import Simulator
from heap_mock.site import SimulatorSite
from http_layer.servers import ServerName, SiteServer, free_port

__all__ = ["HeapMockServer", "free_port"]


class HeapMockServer(SiteServer):
    """A simulator on a real port in a daemon thread. `with HeapMockServer() as mock: mock.url`."""

    def __init__(
        self,
        config: Mapping[str, Any] | Config | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
        threads: int = 4,
        server: ServerName = "granian",
        app: SimulatorSite | None = None,
    ) -> None:
        self.app = app or create_app(config, clock=clock)
        super().__init__(self.app, server=server, host=host, port=port, threads=threads, ident="heap-mock")

    @property
    def simulator(self) -> Simulator:
        """In-process access to the running simulator's config, clock and state."""
        return self.app.sim
