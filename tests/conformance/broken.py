"""Deliberately broken forwarders, each a small `function(batch, target)` with one realistic bug.

They map with our own `forwarder.map_batch` (so everything but the bug is right) and deliver with
a plain loop that waits through `target.sleep` (virtual time). The teeth tests run them and
expect the suite to fail naming the rule each bug breaks.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import requests

from conformance.forwarders import Target
from conformance.received import iso_ms
from forwarder import HeapRequest, Settings, map_batch

Body = dict[str, Any]
Send = Callable[[str, Body], requests.Response]


def _settings(target: Target) -> Settings:
    s = target.settings
    return Settings(s.app_id, s.external_id, s.forward_user_attributes, s.forward_web_requests_server_side)  # type: ignore[arg-type]


def _mapped(batch: dict[str, Any], target: Target) -> list[HeapRequest]:
    return list(map_batch(batch, _settings(target)).requests)


def _post(target: Target, path: str, body: Body) -> requests.Response | None:
    try:
        return requests.post(f"{target.heap_url}{path}", json=body, timeout=5)
    except requests.ConnectionError:
        return None


def deliver(target: Target, path: str, body: Body, *, honour_retry_after: bool = True, attempts: int = 8) -> bool:
    """Send one request, waiting out 429s (Retry-After) and retrying 5xx and dropped connections."""
    for _ in range(attempts):
        response = _post(target, path, body)
        if response is not None and response.status_code < 300:
            return True
        if response is not None and 400 <= response.status_code < 500 and response.status_code != 429:
            return False
        if response is not None and response.status_code == 429 and honour_retry_after:
            target.sleep(float(response.headers.get("Retry-After", "1")))
        elif response is None or response.status_code >= 500:
            target.sleep(0.5)
    return False


def deliver_all(target: Target, heap_requests: list[HeapRequest], **options: Any) -> bool:
    return all([deliver(target, request.path, request.body, **options) for request in heap_requests])


# --- a correct baseline, to show the broken ones fail for their bug alone -----------------------


def plain(batch: dict[str, Any], target: Target) -> bool:
    """Correct mapping, simple delivery: no pacing, so it passes everything but burst fixtures."""
    return deliver_all(target, _mapped(batch, target))


# --- the broken ones ------------------------------------------------------------------------------


def wrong_screen_names(batch: dict[str, Any], target: Target) -> bool:
    """Names screen views after the bare screen name, without the documented `Viewed: ` prefix."""
    return deliver_all(target, [_unprefixed(request) for request in _mapped(batch, target)])


def _unprefixed(request: HeapRequest) -> HeapRequest:
    event = request.body.get("event")
    if isinstance(event, str) and event.startswith("Viewed: "):
        return HeapRequest(request.path, {**request.body, "event": event.removeprefix("Viewed: ")})
    return request


def no_commerce_fanout(batch: dict[str, Any], target: Target) -> bool:
    """Sends only the main commerce event and drops the Item sub-events."""
    return deliver_all(target, [_without_items(request) for request in _mapped(batch, target)])


def _without_items(request: HeapRequest) -> HeapRequest:
    if "events" not in request.body:
        return request
    return HeapRequest(request.path, {**request.body, "events": [event for event in request.body["events"] if event["event"] != "Item"]})


def split_commerce(batch: dict[str, Any], target: Target) -> bool:
    """Sends each event of a commerce fan-out as its own single track request."""
    singles = []
    for request in _mapped(batch, target):
        for event in request.body.get("events", []):
            singles.append(HeapRequest(request.path, {"app_id": request.body["app_id"], **event}))
        if "events" not in request.body:
            singles.append(request)
    return deliver_all(target, singles)


def ignores_retry_after(batch: dict[str, Any], target: Target) -> bool:
    """Retries a 429 at once instead of waiting for Retry-After."""
    return deliver_all(target, _mapped(batch, target), honour_retry_after=False)


def no_truncation(batch: dict[str, Any], target: Target) -> bool:
    """Maps custom events and screen views itself and forgets to cut names and values to 1024."""
    identity = str(batch.get("mpid"))
    ok = True
    for event in batch.get("events", []):
        data = event["data"]
        name = {"custom_event": data.get("event_name"), "screen_view": f"Viewed: {data.get('screen_name')}"}.get(event["event_type"])
        if name is None:
            continue
        properties = {key: value for key, value in (data.get("custom_attributes") or {}).items() if isinstance(value, (str, int, float))}
        body = {"app_id": target.settings.app_id, "identity": identity, "event": name, "properties": properties}
        body["timestamp"] = iso_ms(int(data["timestamp_unixtime_ms"]))
        ok = deliver(target, "/api/track", body) and ok
    return ok


def cuts_too_short(batch: dict[str, Any], target: Target) -> bool:
    """Cuts names and values at 1000 characters: neither the seed's 1024 nor the kit's 1023."""
    return deliver_all(target, [_shortened(request) for request in _mapped(batch, target)])


def _shortened(request: HeapRequest) -> HeapRequest:
    def short(value: Any) -> Any:
        return value[:1000] if isinstance(value, str) else value

    def event(body: Body) -> Body:
        properties = {short(key): short(value) for key, value in (body.get("properties") or {}).items()}
        return {**body, "event": short(body.get("event")), "properties": properties} if "event" in body else body

    if "events" in request.body:
        return HeapRequest(request.path, {**request.body, "events": [event(item) for item in request.body["events"]]})
    return HeapRequest(request.path, event(request.body))


def one_impression_list_lost(batch: dict[str, Any], target: Target) -> bool:
    """Sends one Impression Event per impression list, but forgets the Items of every list after the first."""
    return deliver_all(target, [_first_list_only(request) for request in _mapped(batch, target)])


def _first_list_only(request: HeapRequest) -> HeapRequest:
    events = request.body.get("events")
    if not isinstance(events, list) or not any(item["event"] == "Impression Event" for item in events):
        return request
    items = [item for item in events if item["event"] == "Item"][:2]  # the first list of commerce_impressions holds 2
    mains = [dict(item) for item in events if item["event"] == "Impression Event"] * 2
    return HeapRequest(request.path, {**request.body, "events": mains + items})


def duplicates_on_retry(batch: dict[str, Any], target: Target) -> bool:
    """On a failed attempt, re-sends with fresh idempotency keys, so a lost answer means a second copy."""
    ok = True
    for request in _mapped(batch, target):
        for _ in range(8):
            response = _post(target, request.path, _fresh_keys(request.body))
            if response is not None and response.status_code < 300:
                break
            target.sleep(float(response.headers.get("Retry-After", "0.5")) if response is not None else 0.5)
        else:
            ok = False
    return ok


def _fresh_keys(body: Body) -> Body:
    if "events" in body:
        return {**body, "events": [{**event, "idempotency_key": uuid.uuid4().hex} for event in body["events"]]}
    return {**body, "idempotency_key": uuid.uuid4().hex} if "event" in body else body


def retries_400(batch: dict[str, Any], target: Target) -> bool:
    """Treats every non-2xx answer, 400 included, as worth another try."""
    ok = True
    for request in _mapped(batch, target):
        for _ in range(3):
            response = _post(target, request.path, request.body)
            if response is not None and response.status_code < 300:
                break
            target.sleep(1.0)
        else:
            ok = False
    return ok


def session_id_as_property(batch: dict[str, Any], target: Target) -> bool:
    """Puts the session id among the properties instead of the track event's own session_id field."""
    return deliver_all(target, [_session_in_properties(request) for request in _mapped(batch, target)])


def _session_in_properties(request: HeapRequest) -> HeapRequest:
    body = request.body
    if "event" not in body or "session_id" not in body:
        return request
    moved = {key: value for key, value in body.items() if key != "session_id"}
    return HeapRequest(request.path, {**moved, "properties": {**(body.get("properties") or {}), "session_id": body["session_id"]}})


def properties_as_list(batch: dict[str, Any], target: Target) -> bool:
    """Sends screen views with their properties as a list of pairs, which Heap refuses (400)."""
    return deliver_all(target, [_listed(request) for request in _mapped(batch, target)])


def _listed(request: HeapRequest) -> HeapRequest:
    body = request.body
    if not str(body.get("event", "")).startswith("Viewed: "):
        return request
    return HeapRequest(request.path, {**body, "properties": [[key, value] for key, value in (body.get("properties") or {}).items()]})


# --- not broken: another team's choices where the seed is silent ------------------------------------

OTHER_NAMES = {"product_ids": "skus", "promotion_ids": "promo_skus", "product_id": "sku", "promotion_id": "promo_sku", "product_action": "action"}
OTHER_EVENTS = {"Session Start": "session_start", "Session End": "session_end"}


def other_team(batch: dict[str, Any], target: Target) -> bool:
    """Follows the seed, but names sessions and commerce properties its own way and uses random
    idempotency keys: it must pass every documented rule and fail only our conventions."""
    return deliver_all(target, [_their_way(request) for request in _mapped(batch, target)])


def _their_way(request: HeapRequest) -> HeapRequest:
    if "events" in request.body:
        return HeapRequest(request.path, {**request.body, "events": [_their_event(event, OTHER_NAMES) for event in request.body["events"]]})
    return HeapRequest(request.path, _their_event(request.body, {}) if "event" in request.body else request.body)


def _their_event(event: Body, renames: dict[str, str]) -> Body:
    properties = {renames.get(key, key): value for key, value in (event.get("properties") or {}).items()}
    name = OTHER_EVENTS.get(event["event"], event["event"])
    return {**event, "event": name, "properties": properties, "idempotency_key": uuid.uuid4().hex}
