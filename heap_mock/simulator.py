"""The pieces one running simulator shares between its views: config, clock and state."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from heap_mock.access_log import AccessLog
from heap_mock.clock import SwitchableClock
from heap_mock.config import Config
from heap_mock.delay_room import DelayRoom
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


def current_simulator() -> Simulator:
    simulator: Simulator = current_app.extensions[EXTENSION_KEY]
    return simulator

