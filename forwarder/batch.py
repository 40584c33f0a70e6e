"""Reading an mParticle batch leniently: its shape, its user's identity and its platform.

Real batches differ from the schema (mparticle-batch.md §6), so this module accepts every form
the sources show and rejects only a batch whose structure leaves nothing to map: not an object,
`events` not a list, or an event without `event_type` or `data`, or one that Heap's JSON cannot
carry at all (a lone surrogate, nesting beyond what a JSON writer writes). Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import orjson

from forwarder import sections
from forwarder.model import BatchRejected, SkipCause
from forwarder.settings import Settings
from forwarder.values import id_text
from heap_facts.lengths import MAX_IDENTITY
from heap_facts.names import (  # CUSTOMER_ID_KEYS: the documented key and the Python SDK's (S6)
    CUSTOMER_ID,
    CUSTOMER_ID_KEYS,
    EVENT_TYPE_FIELD,
    MPID,
)
from heap_facts.platforms import is_supported_platform, is_web

# orjson writes no deeper than this, and the stdlib writer would run out of Python's stack not far
# beyond; mParticle batches nest about eight levels. Our limit, not mParticle's.
MAX_NESTING = 254


def checked_events(batch: Any) -> list[dict[str, Any]]:
    """The batch's events, or BatchRejected naming the first JSON path that breaks the structure.

    `events` absent or null means no events (S2 allows null); a batch with none is still a batch
    (S1's device-ID-only sample), so its user attributes can go.
    """
    if not isinstance(batch, Mapping):
        raise BatchRejected("$", f"a batch must be a JSON object, got {_json_kind(batch)}")
    check_writable(batch)
    events = batch.get("events")
    if events is None:
        return []
    if not isinstance(events, list):
        raise BatchRejected("$.events", f"must be a list of events, got {_json_kind(events)}")
    for index, event in enumerate(events):
        _check_event(event, f"$.events[{index}]")
    return events


def check_writable(batch: Mapping[str, Any]) -> None:
    """BatchRejected naming the first place Heap's JSON could not carry: a lone surrogate (not
    Unicode text), an object key that is not a string, or nesting beyond MAX_NESTING levels."""
    try:
        orjson.dumps(batch)  # the fast answer for nearly every batch: it writes, so it is writable
        return
    except TypeError:
        pass  # or only an integer beyond 64 bits, which is fine: look closer
    for path, value, depth, is_key in _walk(batch):
        if depth > MAX_NESTING:
            raise BatchRejected(path, f"is nested deeper than {MAX_NESTING} levels")
        problem = _text_problem(value, is_key)
        if problem is not None:
            raise BatchRejected(path, problem)


def _walk(root: Any) -> Iterator[tuple[str, Any, int, bool]]:
    """Every value and object key under `root` with its JSON path, depth and whether it is a key,
    in document order, without recursion (so no depth can overflow the stack)."""
    stack: list[tuple[str, Any, int, bool]] = [("$", root, 0, False)]
    while stack:
        path, value, depth, is_key = stack.pop()
        yield path, value, depth, is_key
        if depth > MAX_NESTING:
            return
        if isinstance(value, Mapping):
            for key, item in reversed(list(value.items())):
                child = f"{path}.{_path_key(key)}"
                stack += [(child, item, depth + 1, False), (child, key, depth + 1, True)]
        elif isinstance(value, (list, tuple)):
            stack += reversed([(f"{path}[{index}]", item, depth + 1, False) for index, item in enumerate(value)])


def _text_problem(value: Any, is_key: bool) -> str | None:
    if is_key and not isinstance(value, str):
        return f"has a key that is not a string ({type(value).__name__}): JSON object keys are strings"
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            surrogate = value[error.start].encode("utf-8", "backslashreplace").decode()
            where = "its name holds" if is_key else "holds"
            return f"{where} a lone surrogate ({surrogate}), which is not Unicode text: Heap could not store it"
    return None


def _path_key(key: Any) -> str:
    if not isinstance(key, str):
        return repr(key)
    text = key.encode("utf-8", "backslashreplace").decode()
    return text if len(text) <= 64 else text[:64] + "…"


def _check_event(event: Any, path: str) -> None:
    if not isinstance(event, Mapping):
        raise BatchRejected(path, f"an event must be a JSON object, got {_json_kind(event)}")
    event_type = event.get(EVENT_TYPE_FIELD)
    if not isinstance(event_type, str) or event_type.strip() == "":
        raise BatchRejected(f"{path}.event_type", "is required: a non-empty string such as \"custom_event\"")
    if not isinstance(event.get("data"), Mapping):
        raise BatchRejected(f"{path}.data", f"is required: an object, got {_json_kind(event.get('data'))}")


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object" if isinstance(value, Mapping) else type(value).__name__


def identity_of(batch: Mapping[str, Any], settings: Settings) -> str | None:
    """The Heap identity the `external_id` setting selects, as text; None when the batch lacks it."""
    if settings.external_id == MPID:
        return id_text(batch.get(MPID))
    return customer_id(batch.get("user_identities"))


def customer_id(identities: Any) -> str | None:
    """The customer ID from either form of `user_identities` (§2.2): an object map or an array of records."""
    if isinstance(identities, Mapping):
        for key in CUSTOMER_ID_KEYS:
            found = id_text(identities.get(key))
            if found is not None:
                return found
        return None
    if isinstance(identities, list):
        for record in identities:
            if isinstance(record, Mapping) and str(record.get("identity_type", "")).lower() in CUSTOMER_ID_KEYS:
                found = id_text(record.get("identity"))
                if found is not None:
                    return found
    return None


def identity_field(settings: Settings) -> str:
    """Where the identity comes from under the `external_id` setting, as a field of the batch."""
    return MPID if settings.external_id == MPID else f"user_identities.{CUSTOMER_ID}"


def identity_problem(identity: str | None, settings: Settings) -> SkipCause | None:
    """Why no event of the batch can carry this identity, or None if it is usable."""
    if identity is None:
        field = MPID if settings.external_id == MPID else f"user_identities {CUSTOMER_ID}"
        reason = f"missing identity: external_id is {settings.external_id} and the batch has no {field}"
        return SkipCause(reason, sections.IDENTITY, "external_id")
    if len(identity) > MAX_IDENTITY:
        return SkipCause(f"identity longer than Heap's {MAX_IDENTITY} characters ({len(identity)})", sections.IDENTITY)
    return None


def platform_of(batch: Mapping[str, Any]) -> str | None:
    """`device_info.platform` as sent, or None for a data feed (no device platform given)."""
    device_info = batch.get("device_info")
    if not isinstance(device_info, Mapping):
        return None
    platform = device_info.get("platform")
    if not isinstance(platform, str) or platform.strip() == "":
        return None
    return platform.strip()


def platform_problem(platform: str | None, settings: Settings) -> SkipCause | None:
    """Why a batch from this platform is not forwarded server-side, or None if it is."""
    if platform is None:
        return None  # a data feed
    if not is_supported_platform(platform):
        return SkipCause(f"unsupported platform {platform!r} (the seed lists Android, Data Feeds, iOS, tvOS, SmartTV, Web)", sections.PLATFORMS)
    if is_web(platform) and not settings.forward_web_requests_server_side:
        reason = "web batch while forward_web_requests_server_side is off (the web kit sends it client-side)"
        return SkipCause(reason, sections.WEB_SERVER_SIDE, "forward_web_requests_server_side")
    return None
