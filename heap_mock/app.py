"""The app factory: `create_app(config=None, *, clock=None)` builds a fully configured simulator.

What it builds is a site of the HTTP layer (`heap_mock.site.SimulatorSite`): the route table, the
state, the clock and the log, ready for a server to run (`heap_mock.server.HeapMockServer`,
`heap-mock serve`) or for a test to call in-process (`site.test_client()`, a WSGI test client).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from heap_mock.clock import Clock, SwitchableClock
from heap_mock.config import Config
from heap_mock.simulator import Simulator
from heap_mock.site import SimulatorSite
from heap_mock.store.session import Session, read_session
from heap_mock.store.state import SimulatorState
from http_layer.access_log import SERVER_FLUSH_EVERY_S, AccessLog


def create_app(
    config: Mapping[str, Any] | Config | None = None, *, clock: Clock | None = None, session: Session | None = None
) -> SimulatorSite:
    """Build a simulator. `config` overrides the documented defaults; `clock` replaces the wall clock;
    `session` (a file written by `GET /_mock/export`, read by `heap_mock.store.session.read_session`) is
    what it starts holding, else the file the `session_file` setting names, if any."""
    settings = config if isinstance(config, Config) else Config.from_mapping(config)
    switchable = clock if isinstance(clock, SwitchableClock) else SwitchableClock(clock)
    simulator = Simulator(settings, switchable, SimulatorState(settings), AccessLog(enabled=settings.log_requests, flush_every_s=SERVER_FLUSH_EVERY_S))
    if session is None and settings.session_file is not None:
        session = read_session(Path(settings.session_file).read_bytes())
    if session is not None:
        simulator.start_from(session)
    return SimulatorSite(simulator)
