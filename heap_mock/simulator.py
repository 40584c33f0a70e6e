"""The pieces one running simulator shares between its views, and what a view is handed."""

from __future__ import annotations

from dataclasses import dataclass, field

from heap_mock.clock import SwitchableClock
from heap_mock.config import Config
from heap_mock.store.journal import Exchange
from heap_mock.store.session import ClockState, Session
from heap_mock.store.state import SimulatorState
from http_layer.access_log import AccessLog
from http_layer.delays import DelayRoom
from http_layer.params import QueryArgs
from http_layer.request import Request


@dataclass
class Simulator:
    config: Config
    clock: SwitchableClock
    state: SimulatorState
    access_log: AccessLog
    # Where delayed requests wait; the server running the simulator sets its capacity.
    delays: DelayRoom = field(default_factory=DelayRoom)

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


class Call:
    """What a view sees of its request: the simulator, the request (its body read and bounded by
    the HTTP layer), the path's parameters, and the request's journal record."""

    __slots__ = ("_args", "exchange", "params", "request", "sim")

    def __init__(self, sim: Simulator, request: Request, params: dict[str, str], exchange: Exchange) -> None:
        self.sim, self.request, self.params, self.exchange = sim, request, params, exchange
        self._args: QueryArgs | None = None

    @property
    def args(self) -> QueryArgs:
        """The query parameters, parsed on first use (Heap's views never need them)."""
        if self._args is None:
            self._args = QueryArgs(self.request.query)
        return self._args
