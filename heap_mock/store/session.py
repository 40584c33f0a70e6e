"""A whole simulator session as one file: `GET /_mock/export` writes it, `heap-mock serve --load FILE`
starts with it, so a session can be looked at again later or attached to a bug report.

The file is one JSON object (format version 1):

    format            "heap-sim session"
    version           1 (a later version is refused by name, never half read)
    exported_at       the simulator's clock when it was written (ISO 8601)
    heap_sim_version  the simulator that wrote it
    clock             {now, mode, rate}: a virtual or scaled clock resumes at `now`
    events            the stored Heap events, oldest first, as GET /_mock/events shows them
    users, accounts   with their properties; users with their identify links
    journal           the requests, oldest first, each whole, its body as received

Not kept: rate-limit windows, fault rules and deletion requests (a loaded session starts with
none). Reading checks every field and stops at the first wrong one with a `SessionError` that
names it by JSON path and says the rule, so a bad file is refused whole before anything is
stored. Pure: no I/O; the stores keep their bounds (max_events, journal_limit, ...) as it loads.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from heap_facts import fields
from heap_facts.fields import FieldError
from heap_mock.clock import MAX_RATE, MODES, to_iso
from heap_mock.endpoints.track import TrackEvent
from heap_mock.fidelity import LENIENT_RULES, RequestWarning, freeze_warnings, thaw_warnings
from heap_mock.store.events import STORED_ENDPOINTS, StoredEvent
from heap_mock.store.identities import IdentityRecord
from heap_mock.store.journal import (
    DETAILS,
    DURATION_MS,
    LINEAGE,
    MESSAGE,
    METHOD,
    PATH,
    RAW,
    RECEIVED_AT,
    REQUEST_ID,
    RULE_ID,
    STATUS,
    STORED,
    VIOLATIONS,
    WARNINGS,
)  # fmt: skip
from heap_mock.store.lineage import MAX_LINEAGE_CHARS

FORMAT = "heap-sim session"
FORMAT_VERSION = 1
CHUNK = 1000  # items rendered per piece of the streamed file
TEXT = "non-empty text"
# The small details a journal entry may carry (heap_mock.store.journal: Exchange._details), each by its check.
DETAIL_CHECKS: dict[str, Callable[[Any, str], Any]] = {
    **dict.fromkeys(("violation_count", "retry_after", "fault_id", "warning_count"), fields.whole_number),
    "limit": lambda value, path: fields.text(value, path, what="text", empty=True),
    "warned_rules": lambda value, path: fields.names(value, path, what="a list of rule IDs"),
}


# A session file that cannot be loaded; `path` is the JSON path of the first wrong field. The one
# error of checked input (heap_facts.fields), whose checks read every field here.
SessionError = FieldError


@dataclass(frozen=True)
class ClockState:
    now: float
    mode: str
    rate: float


@dataclass(frozen=True)
class Session:
    """A read and checked session file, in the forms the stores keep."""

    clock: ClockState
    events: list[list[Any]]  # StoredEvent.freeze lists
    users: list[IdentityRecord]
    accounts: list[IdentityRecord]
    journal: list[list[Any]]  # Exchange.freeze lists

    def highest_request_number(self) -> int:
        """The largest N of the `req-N` IDs the session holds, so new requests do not reuse one."""
        ids = [entry[REQUEST_ID] for entry in self.journal] + [event[9] for event in self.events]
        return max((int(text[4:]) for text in ids if text.startswith("req-") and text[4:].isdigit()), default=0)


# --- writing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """What the stores held when the export began (immutable tuples, read without their locks)."""

    clock: ClockState
    heap_sim_version: str
    events: list[tuple[Any, ...]]
    journal: list[tuple[Any, ...]]
    users: Callable[[], Iterator[dict[str, Any]]]  # rendered in chunks, each under the store's lock
    accounts: Callable[[], Iterator[dict[str, Any]]]


def session_chunks(snapshot: Snapshot) -> Iterator[bytes]:
    """The session file, piece by piece, so a million events stream out without one big string."""
    clock = snapshot.clock
    head = {
        "format": FORMAT, "version": FORMAT_VERSION, "exported_at": to_iso(clock.now), "heap_sim_version": snapshot.heap_sim_version,
        "clock": {"now": to_iso(clock.now), "mode": clock.mode, "rate": clock.rate},
    }  # fmt: skip
    yield orjson.dumps(head)[:-1] + b',"events":['
    yield from _joined(map(event_document, snapshot.events))
    yield b'],"users":['
    yield from _joined(snapshot.users())
    yield b'],"accounts":['
    yield from _joined(snapshot.accounts())
    yield b'],"journal":['
    yield from _joined(map(journal_document, snapshot.journal))
    yield b"]}\n"


def _joined(items: Iterator[Any]) -> Iterator[bytes]:
    """The items' JSON, comma-separated, CHUNK at a time."""
    separator, batch = b"", []
    for item in items:
        batch.append(orjson.dumps(item))
        if len(batch) == CHUNK:
            yield separator + b",".join(batch)
            separator, batch = b",", []
    if batch:
        yield separator + b",".join(batch)


def event_document(stored: tuple[Any, ...]) -> dict[str, Any]:
    """A stored event as the file keeps it: GET /_mock/events' fields, warnings by rule, path and fact."""
    document = StoredEvent.document(stored)
    document["warnings"] = [warning._asdict() for warning in thaw_warnings(document["warnings"])]
    return document


def journal_document(entry: tuple[Any, ...]) -> dict[str, Any]:
    """A journal entry whole, its body as received: text when it is UTF-8, else base64."""
    document: dict[str, Any] = {
        "id": entry[REQUEST_ID], "method": entry[METHOD], "path": entry[PATH], "received_at": to_iso(entry[RECEIVED_AT]),
        "status": entry[STATUS], "duration_ms": round(entry[DURATION_MS], 3), "rule_id": entry[RULE_ID], "message": entry[MESSAGE],
        "stored_events": entry[STORED], "lineage": entry[LINEAGE],
        "warnings": [warning._asdict() for warning in thaw_warnings(entry[WARNINGS])],
        "details": orjson.loads(entry[DETAILS]) if entry[DETAILS] is not None else {},
        "violations": orjson.loads(entry[VIOLATIONS]) if entry[VIOLATIONS] is not None else None,
    }  # fmt: skip
    document.update(_body_document(entry[RAW]))
    return document


def _body_document(raw: bytes | None) -> dict[str, Any]:
    if raw is None:
        return {"body": None}
    try:
        return {"body": raw.decode("utf-8")}
    except UnicodeDecodeError:
        return {"body": None, "body_base64": base64.b64encode(raw).decode()}


# --- reading --------------------------------------------------------------------------------------


def read_session(data: bytes) -> Session:
    """The session in `data`, checked field by field; SessionError names the first wrong one."""
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise SessionError("$", f"is not JSON ({error})") from None
    top = fields.json_object(document, "$")
    _header(top)
    return Session(
        clock=_clock(fields.json_object(_field(top, "clock", "$"), "$.clock")),
        events=[_event(item, f"$.events[{i}]") for i, item in enumerate(_array(top, "events", "$"))],
        users=[_user(item, f"$.users[{i}]") for i, item in enumerate(_array(top, "users", "$"))],
        accounts=[_account(item, f"$.accounts[{i}]") for i, item in enumerate(_array(top, "accounts", "$"))],
        journal=[_entry(item, f"$.journal[{i}]") for i, item in enumerate(_array(top, "journal", "$"))],
    )


def _header(top: Mapping[str, Any]) -> None:
    if top.get("format") != FORMAT:
        raise SessionError("$.format", f'must be "{FORMAT}" (a file written by GET /_mock/export)', top.get("format"))
    version = fields.whole(top.get("version"))
    if version is not None and version > FORMAT_VERSION:
        raise SessionError("$.version", f"is {version}: a newer heap-sim wrote it; this one reads format versions 1 to {FORMAT_VERSION}")
    fields.whole_number(top.get("version"), "$.version", 1, FORMAT_VERSION)


def _clock(raw: Mapping[str, Any]) -> ClockState:
    mode = fields.one_of(raw.get("mode"), "$.clock.mode", MODES)
    rate = fields.number(raw.get("rate"), "$.clock.rate")
    if mode == "scaled":
        fields.number(rate, "$.clock.rate", above=0, high=MAX_RATE)
    return ClockState(fields.instant(raw.get("now"), "$.clock.now"), mode, rate)


def _event(item: Any, path: str) -> list[Any]:
    raw = fields.json_object(item, path)
    identity, user_id = _text(raw, "identity", path, optional=True), _text(raw, "user_id", path, optional=True)
    if identity is None and user_id is None:
        raise SessionError(f"{path}.identity", "or user_id is required: every stored event is about someone")
    event = TrackEvent(
        _text(raw, "app_id", path), identity, user_id, _text(raw, "event", path), _instant(raw, "timestamp", path),
        _properties(raw, path), _text(raw, "session_id", path, optional=True), _text(raw, "idempotency_key", path, optional=True),
        _warnings(raw, path),
    )  # fmt: skip
    endpoint = fields.one_of(raw.get("endpoint"), f"{path}.endpoint", STORED_ENDPOINTS)
    return StoredEvent.freeze(event, endpoint, _text(raw, "request_id", path), _lineage(raw, path))


def _user(item: Any, path: str) -> IdentityRecord:
    raw = fields.json_object(item, path)
    user_ids = tuple(fields.text(value, f"{path}.user_ids[{i}]", what=TEXT) for i, value in enumerate(_array(raw, "user_ids", path)))
    links = tuple(_link(value, f"{path}.recent_links[{i}]") for i, value in enumerate(_array(raw, "recent_links", path)))
    unknown = sorted({user_id for _, user_id in links} - set(user_ids))
    if unknown:
        raise SessionError(f"{path}.recent_links", f"names user_ids not in user_ids: {', '.join(unknown)}")
    return IdentityRecord(_text(raw, "app_id", path), _text(raw, "identity", path), _properties(raw, path), user_ids, links)


def _account(item: Any, path: str) -> IdentityRecord:
    raw = fields.json_object(item, path)
    return IdentityRecord(_text(raw, "app_id", path), _text(raw, "account_id", path), _properties(raw, path))


def _link(item: Any, path: str) -> tuple[float, str]:
    raw = fields.json_object(item, path)
    return _instant(raw, "at", path), _text(raw, "user_id", path)


def _entry(item: Any, path: str) -> list[Any]:
    raw = fields.json_object(item, path)
    status = fields.whole_number(raw.get("status"), f"{path}.status", 0, 999)
    duration = fields.number(raw.get("duration_ms"), f"{path}.duration_ms", low=0)
    warnings = _warnings(raw, path)
    stored = fields.optional(raw, "stored_events", path, lambda value, at: fields.whole_number(value, at, low=0))
    return [
        _text(raw, "id", path), _text(raw, "method", path), _text(raw, "path", path), _instant(raw, "received_at", path), status, duration,
        _body(raw, path), _text(raw, "rule_id", path, optional=True), _text(raw, "message", path, optional=True), stored,
        _details(raw, path), freeze_warnings(warnings), bool(warnings), _lineage(raw, path), _violations(raw, path),
    ]  # fmt: skip


def _body(raw: Mapping[str, Any], path: str) -> bytes | None:
    encoded = _text(raw, "body_base64", path, optional=True)
    if encoded is not None:
        try:
            return base64.b64decode(encoded, validate=True) or None
        except (binascii.Error, ValueError):
            raise SessionError(f"{path}.body_base64", "must be base64 text") from None
    text = _text(raw, "body", path, optional=True)
    return text.encode() if text else None


def _details(raw: Mapping[str, Any], path: str) -> bytes | None:
    details = fields.json_object(raw.get("details", {}), f"{path}.details")
    fields.known_fields(details, f"{path}.details", DETAIL_CHECKS)
    for key, value in details.items():
        DETAIL_CHECKS[key](value, f"{path}.details.{key}")
    return orjson.dumps(details) if details else None


def _violations(raw: Mapping[str, Any], path: str) -> bytes | None:
    if raw.get("violations") is None:
        return None
    checked = []
    for i, item in enumerate(_array(raw, "violations", path)):
        violation = fields.json_object(item, f"{path}.violations[{i}]")
        checked.append({key: _text(violation, key, f"{path}.violations[{i}]") for key in ("rule_id", "path", "message")})
    return orjson.dumps(checked)


def _warnings(raw: Mapping[str, Any], path: str) -> tuple[RequestWarning, ...]:
    warnings = []
    for i, item in enumerate(_array(raw, "warnings", path)):
        where = f"{path}.warnings[{i}]"
        warning = fields.json_object(item, where)
        rule_id = fields.one_of(warning.get("rule_id"), f"{where}.rule_id", LENIENT_RULES)
        warnings.append(RequestWarning(rule_id, _text(warning, "path", where), _text(warning, "fact", where)))
    return tuple(warnings)


def _properties(raw: Mapping[str, Any], path: str) -> dict[str, str | int | float]:
    properties = fields.json_object(_field(raw, "properties", path), f"{path}.properties")
    for name, value in properties.items():
        fields.string_or_number(value, f"{path}.properties.{name}", what="a string or a number (what Heap stores)")
    return properties


def _lineage(raw: Mapping[str, Any], path: str) -> str | None:
    text: str | None = _text(raw, "lineage", path, optional=True)
    if text is not None and (len(text) > MAX_LINEAGE_CHARS or not text.isprintable()):
        raise SessionError(f"{path}.lineage", f"must be printable text of at most {MAX_LINEAGE_CHARS} characters (heap_mock.store.lineage)")
    return text


# --- field readers over heap_facts.fields: each names the field and the rule it breaks -----------


def _field(raw: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in raw:
        raise SessionError(f"{path}.{key}", "is required")
    return raw[key]


def _array(raw: Mapping[str, Any], key: str, path: str) -> list[Any]:
    return fields.json_list(raw.get(key, []), f"{path}.{key}")


def _text(raw: Mapping[str, Any], key: str, path: str, *, optional: bool = False) -> Any:
    """Non-empty text, or with `optional` any text or null (a stored message may be empty)."""
    value = raw.get(key)
    if optional:
        return None if value is None else fields.text(value, f"{path}.{key}", what="text or null", empty=True)
    return fields.text(value, f"{path}.{key}", what=TEXT)


def _instant(raw: Mapping[str, Any], key: str, path: str) -> float:
    return fields.instant(raw.get(key), f"{path}.{key}")
