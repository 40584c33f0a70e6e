"""A forwarder written apart from ours, with another team's choices where the seed is silent.

It follows the seed page to the letter, but decides the open questions as mParticle's own Heap web
kit does (KIT in SOURCES.md): one `Impression Event` per impression list, each Item sent before
its main event, IDs listed as `skus` (comma-separated), values cut to 1023, falsy values and
booleans and lists skipped, session events named its own way. It shares no mapping code with ours; it is
delivered with the plain loop of `broken.py` (no pacing, so burst fixtures are not for it).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from conformance.forwarders import Target
from tests.conformance.broken import deliver

CUT = 1023  # the kit's MaxPropertyLength
SUPPORTED = {"android", "ios", "tvos", "smarttv", "web"}
SESSION_NAMES = {"session_start": "Session Began", "session_end": "Session Ended"}

Body = dict[str, Any]


def forward(batch: Body, target: Target) -> bool:
    """Map one batch the other team's way and deliver it; False when any request failed."""
    identity = _identity(batch, target)
    if identity is None or not _forwarded_platform(batch, target):
        return True
    app_id = target.settings.app_id
    requests: list[tuple[str, Body]] = []
    if target.settings.forward_user_attributes and batch.get("user_attributes"):
        requests.append(("/api/add_user_properties", {"app_id": app_id, "identity": identity, "properties": _props(batch["user_attributes"], rename_id=True)}))
    for index, event in enumerate(batch.get("events") or []):
        requests += _requests(event, index, batch, app_id, identity)
    return all([deliver(target, path, body) for path, body in requests])


def _identity(batch: Body, target: Target) -> str | None:
    if target.settings.external_id == "mpid":
        value = batch.get("mpid")
    else:
        identities = batch.get("user_identities")
        if isinstance(identities, list):
            value = next((entry.get("identity") for entry in identities if entry.get("identity_type") == "customer_id"), None)
        else:
            value = (identities or {}).get("customer_id") or (identities or {}).get("customerid")
    return None if value in (None, "") else str(value)


def _forwarded_platform(batch: Body, target: Target) -> bool:
    platform = str((batch.get("device_info") or {}).get("platform") or "").strip().lower().replace("_", "").replace(" ", "")
    if not platform:
        return True
    return platform in SUPPORTED and (platform != "web" or target.settings.forward_web_requests_server_side)


def _props(attributes: Any, rename_id: bool = False) -> Body:
    """Strings cut to 1023, numbers kept; nulls, empty strings, booleans and lists skipped."""
    properties: Body = {}
    for key, value in (attributes or {}).items():
        name = f"attr_{key}" if rename_id and key.lower() == "id" else str(key)[:CUT]
        if value is None or value == "" or isinstance(value, (bool, list, dict)):
            continue
        properties[name] = value[:CUT] if isinstance(value, str) else value
    return properties


def _requests(event: Body, index: int, batch: Body, app_id: str, identity: str) -> list[tuple[str, Body]]:
    data, kind = event.get("data") or {}, event.get("event_type")
    common = _common(data, batch, identity, index)
    if kind == "custom_event" and data.get("event_name"):
        props = {**_props(data.get("custom_attributes")), "event_type": data.get("custom_event_type") or "Unknown"}
        return [("/api/track", {"app_id": app_id, **common, "event": str(data["event_name"])[:CUT], "properties": props})]
    if kind == "screen_view":
        screen = str(data.get("screen_name") or data.get("event_name") or "")
        props = {**_props(data.get("custom_attributes")), "screen_name": screen[:CUT]}
        return [("/api/track", {"app_id": app_id, **common, "event": f"Viewed: {screen}"[:CUT], "properties": props})]
    if kind in SESSION_NAMES:
        return [("/api/track", {"app_id": app_id, **common, "event": SESSION_NAMES[kind], "properties": {}})]
    if kind == "commerce_event":
        events = [{**common, **spec, "idempotency_key": f"{common['idempotency_key']}-{n}"} for n, spec in enumerate(_commerce(data))]
        return [("/api/track", {"app_id": app_id, "events": events[start : start + 1000]}) for start in range(0, len(events), 1000)]
    return []


def _common(data: Body, batch: Body, identity: str, index: int) -> Body:
    millis = data.get("timestamp_unixtime_ms") or batch.get("timestamp_unixtime_ms")
    common: Body = {"identity": identity, "idempotency_key": hashlib.md5(f"{batch.get('mpid')}/{batch.get('timestamp_unixtime_ms')}/{index}".encode()).hexdigest()}
    if millis:
        common["timestamp"] = datetime.fromtimestamp(int(millis) / 1000, UTC).isoformat()
    if data.get("session_id") is not None:
        common["session_id"] = str(data["session_id"])
    return common


def _commerce(data: Body) -> list[Body]:
    """Items first, then their main event; one Impression Event per impression list."""
    attributes = _props(data.get("custom_attributes"))
    out: list[Body] = []
    action = data.get("product_action")
    if isinstance(action, dict):
        products = action.get("products") or []
        out += [_item(product) for product in products]
        out.append(_main("Product Action Event", attributes, products, {"action": str(action.get("action") or "unknown")}))
    promotion = data.get("promotion_action")
    if isinstance(promotion, dict):
        promotions = promotion.get("promotions") or []
        out += [_item(promo) for promo in promotions]
        out.append(_main("Promotion Event", attributes, promotions, {"action": str(promotion.get("action") or "unknown")}))
    for listed in data.get("product_impressions") or []:
        products = listed.get("products") or []
        out += [_item(product) for product in products]
        out.append(_main("Impression Event", attributes, products, {"list": str(listed.get("product_impression_list") or "")}))
    return out


def _main(name: str, attributes: Body, records: list[Body], extra: Body) -> Body:
    skus = ",".join(str(record.get("id")) for record in records if record.get("id"))[:CUT]
    return {"event": name, "properties": {**attributes, **extra, "skus": skus}}


def _item(record: Body) -> Body:
    fields = {f"item_{key}": value for key, value in record.items() if key != "custom_attributes" and not isinstance(value, (dict, list))}
    return {"event": "Item", "properties": {**_props(record.get("custom_attributes")), **_props(fields)}}
