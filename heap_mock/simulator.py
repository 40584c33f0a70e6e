"""The pieces one running simulator shares between its views: config, clock and state."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

from heap_mock.access_log import AccessLog
from heap_mock.clock import SwitchableClock
from heap_mock.config import Config
from heap_mock.delay_room import DelayRoom
from heap_mock.session import ClockState, Session, read_session
from heap_mock.state import SimulatorState

EXTENSION_KEY = "heap_mock"


@dataclass
class Simulator:
    config: Config
    clock: SwitchableClock
    state: SimulatorState
    access_log: AccessLog
    # Where delayed requests wait; the server running the app sets its capacity from its thread count.
    delays: DelayRoom = field(default_factory=DelayRoom)

    def __post_init__(self) -> None:
        # `session_file` (heap-mock serve --load): the app starts holding that session. Here, where
        # the state and the clock meet, so every server (granian's worker, HeapMockServer) does it.
        if self.config.session_file is not None:
            self.start_from(read_session(Path(self.config.session_file).read_bytes()))

    def start_from(self, session: Session) -> None:
        """Hold a saved session's data; a virtual or scaled clock resumes where the session left it."""
        self.state.load(session)
        clock = session.clock
        if clock.mode != "real":
            self.clock.set(clock.now)
        if clock.mode == "scaled":
            self.clock.scale(clock.rate)

    def clock_state(self) -> ClockState:
        return ClockState(self.clock.now(), self.clock.mode, self.clock.rate)


def current_simulator() -> Simulator:
    simulator: Simulator = current_app.extensions[EXTENSION_KEY]
    return simulator

