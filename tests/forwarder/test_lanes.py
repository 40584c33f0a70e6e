"""The lanes' order, pure: first come first served among lanes that may go, an identity's order
kept, and a lane that waits for its window never holding up one that arrives after it."""

from __future__ import annotations

from forwarder.lanes import Lanes, Pending, Ticket
from forwarder.model import HeapRequest
from forwarder.pacing import Pacer


def track(identity: str, name: str) -> HeapRequest:
    return HeapRequest("/api/track", {"app_id": "11", "identity": identity, "event": name})


def bulk(identity: str, name: str) -> HeapRequest:
    return HeapRequest("/api/track", {"app_id": "11", "events": [{"identity": identity, "event": name}]})


def sent_until_waiting(lanes: Lanes, now: float) -> tuple[list[str], float | None]:
    """Send (and deliver) what may go at `now`; the names in the order sent, and when the next may go."""
    names = []
    while isinstance(turn := lanes.next(now), Pending):
        lanes.pacer.admit(turn.demands, now)
        lanes.returned(turn, True, now)
        body = turn.request.body
        names.append(body.get("event") or body["events"][0]["event"])
    return names, turn


def test_requests_go_in_the_order_they_came_across_lanes_when_nothing_waits() -> None:
    lanes = Lanes(Pacer())
    lanes.add([track("a", "A1"), bulk("a", "A2"), track("b", "B1"), track("a", "A3")], Ticket(4))
    assert sent_until_waiting(lanes, 0.0) == (["A1", "A2", "B1", "A3"], None)


def test_a_lane_waiting_for_its_window_holds_up_no_lane_that_comes_after_it() -> None:
    lanes = Lanes(Pacer())
    lanes.add([track("a", f"A{n}") for n in range(31)], Ticket(31))
    names, next_at = sent_until_waiting(lanes, 0.0)
    assert names == [f"A{n}" for n in range(30)] and next_at is not None and next_at > 30.0  # 30 per 30 s
    lanes.add([track("b", "B0")], Ticket(1))
    assert sent_until_waiting(lanes, 1.0) == (["B0"], next_at)
    assert sent_until_waiting(lanes, next_at) == (["A30"], None)
    assert lanes.waiting == 0
