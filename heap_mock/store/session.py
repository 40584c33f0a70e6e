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

from heap_mock.clock import MAX_RATE, parse_iso, to_iso
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
CLOCK_MODES = ("real", "virtual", "scaled")
CHUNK = 1000  # items rendered per piece of the streamed file
# The small details a journal entry may carry (heap_mock.store.journal: Exchange._details), by kind.
DETAIL_KINDS: dict[str, type | tuple[type, ...]] = {
    "violation_count": int, "limit": str, "retry_after": int, "fault_id": int, "warning_count": int, "warned_rules": list,
}  # fmt: skip


class SessionError(ValueError):
    """A session file that cannot be loaded; `path` is the JSON path of the first wrong field."""

    def __init__(self, path: str, rule: str) -> None:
        self.path, self.rule = path, rule
        super().__init__(f"{path} {rule}")


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
    top = _object(document, "$")
    _header(top)
    return Session(
        clock=_clock(_object(_field(top, "clock", "$"), "$.clock")),
        events=[_event(item, f"$.events[{i}]") for i, item in enumerate(_array(top, "events", "$"))],
        users=[_user(item, f"$.users[{i}]") for i, item in enumerate(_array(top, "users", "$"))],
        accounts=[_account(item, f"$.accounts[{i}]") for i, item in enumerate(_array(top, "accounts", "$"))],
        journal=[_entry(item, f"$.journal[{i}]") for i, item in enumerate(_array(top, "journal", "$"))],
    )


def _header(top: Mapping[str, Any]) -> None:
    if top.get("format") != FORMAT:
        raise SessionError("$.format", f'must be "{FORMAT}" (a file written by GET /_mock/export), got {top.get("format")!r}')
    version = top.get("version")
    if _is_int(version) and version > FORMAT_VERSION:
        raise SessionError("$.version", f"is {version}: a newer heap-sim wrote it; this one reads format versions 1 to {FORMAT_VERSION}")
    if not _is_int(version) or version < 1:
        raise SessionError("$.version", f"must be a format version from 1 to {FORMAT_VERSION}, got {version!r}")


def _clock(raw: Mapping[str, Any]) -> ClockState:
    mode = _choice(raw, "mode", "$.clock", CLOCK_MODES)
    rate = _number(raw, "rate", "$.clock")
    if mode == "scaled" and not 0 < rate <= MAX_RATE:
        raise SessionError("$.clock.rate", f"must be above 0 and at most {MAX_RATE:.0f} for a scaled clock, got {rate!r}")
    return ClockState(_instant(raw, "now", "$.clock"), mode, rate)


def _event(item: Any, path: str) -> list[Any]:
    raw = _object(item, path)
    identity, user_id = _text(raw, "identity", path, optional=True), _text(raw, "user_id", path, optional=True)
    if identity is None and user_id is None:
        raise SessionError(f"{path}.identity", "or user_id is required: every stored event is about someone")
    event = TrackEvent(
        _text(raw, "app_id", path), identity, user_id, _text(raw, "event", path), _instant(raw, "timestamp", path),
        _properties(raw, path), _text(raw, "session_id", path, optional=True), _text(raw, "idempotency_key", path, optional=True),
        _warnings(raw, path),
    )  # fmt: skip
    endpoint = _choice(raw, "endpoint", path, STORED_ENDPOINTS)
    return StoredEvent.freeze(event, endpoint, _text(raw, "request_id", path), _lineage(raw, path))


def _user(item: Any, path: str) -> IdentityRecord:
    raw = _object(item, path)
    user_ids = tuple(_text_item(value, f"{path}.user_ids[{i}]") for i, value in enumerate(_array(raw, "user_ids", path)))
    links = tuple(_link(value, f"{path}.recent_links[{i}]") for i, value in enumerate(_array(raw, "recent_links", path)))
    unknown = sorted({user_id for _, user_id in links} - set(user_ids))
    if unknown:
        raise SessionError(f"{path}.recent_links", f"names user_ids not in user_ids: {', '.join(unknown)}")
    return IdentityRecord(_text(raw, "app_id", path), _text(raw, "identity", path), _properties(raw, path), user_ids, links)


def _account(item: Any, path: str) -> IdentityRecord:
    raw = _object(item, path)
    return IdentityRecord(_text(raw, "app_id", path), _text(raw, "account_id", path), _properties(raw, path))


def _link(item: Any, path: str) -> tuple[float, str]:
    raw = _object(item, path)
    return _instant(raw, "at", path), _text(raw, "user_id", path)


def _entry(item: Any, path: str) -> list[Any]:
    raw = _object(item, path)
    status, duration = _int(raw, "status", path), _number(raw, "duration_ms", path)
    if not 0 <= status <= 999 or duration < 0:
        where, rule = (f"{path}.status", "must be from 0 to 999") if not 0 <= status <= 999 else (f"{path}.duration_ms", "must be 0 or more")
        raise SessionError(where, rule)
    warnings = _warnings(raw, path)
    stored = raw.get("stored_events")
    if stored is not None and not (_is_int(stored) and stored >= 0):
        raise SessionError(f"{path}.stored_events", f"must be a whole number >= 0 or null, got {stored!r}")
    return [
        _text(raw, "id", path), _text(raw, "method", path), _text(raw, "path", path), _instant(raw, "received_at", path), status, float(duration),
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
    details = _object(raw.get("details", {}), f"{path}.details")
    for key, value in details.items():
        kind = DETAIL_KINDS.get(key)
        if kind is None:
            raise SessionError(f"{path}.details.{key}", f"is not a detail a journal entry has; known: {', '.join(DETAIL_KINDS)}")
        if not isinstance(value, kind) or isinstance(value, bool):
            raise SessionError(f"{path}.details.{key}", f"must be {'text' if kind is str else 'a list' if kind is list else 'a whole number'}, got {value!r}")
    return orjson.dumps(details) if details else None


def _violations(raw: Mapping[str, Any], path: str) -> bytes | None:
    if raw.get("violations") is None:
        return None
    checked = []
    for i, item in enumerate(_array(raw, "violations", path)):
        violation = _object(item, f"{path}.violations[{i}]")
        checked.append({key: _text(violation, key, f"{path}.violations[{i}]") for key in ("rule_id", "path", "message")})
    return orjson.dumps(checked)


def _warnings(raw: Mapping[str, Any], path: str) -> tuple[RequestWarning, ...]:
    warnings = []
    for i, item in enumerate(_array(raw, "warnings", path)):
        where = f"{path}.warnings[{i}]"
        warning = _object(item, where)
        rule_id = _text(warning, "rule_id", where)
        if rule_id not in LENIENT_RULES:
            raise SessionError(f"{where}.rule_id", f"must be one of {', '.join(LENIENT_RULES)}, got {rule_id!r}")
        warnings.append(RequestWarning(rule_id, _text(warning, "path", where), _text(warning, "fact", where)))
    return tuple(warnings)


def _properties(raw: Mapping[str, Any], path: str) -> dict[str, str | int | float]:
    properties = _object(_field(raw, "properties", path), f"{path}.properties")
    for name, value in properties.items():
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise SessionError(f"{path}.properties.{name}", f"must be a string or a number (what Heap stores), got {_kind(value)}")
    return properties


def _lineage(raw: Mapping[str, Any], path: str) -> str | None:
    text = _text(raw, "lineage", path, optional=True)
    if text is not None and (len(text) > MAX_LINEAGE_CHARS or not text.isprintable()):
        raise SessionError(f"{path}.lineage", f"must be printable text of at most {MAX_LINEAGE_CHARS} characters (heap_mock.store.lineage)")
    return text


# --- field readers: each names the field and the rule it breaks -----------------------------------


def _field(raw: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in raw:
        raise SessionError(f"{path}.{key}", "is required")
    return raw[key]


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SessionError(path, f"must be an object, got {_kind(value)}")
    return value


def _array(raw: Mapping[str, Any], key: str, path: str) -> list[Any]:
    value = raw.get(key, [])
    if not isinstance(value, list):
        raise SessionError(f"{path}.{key}", f"must be a list, got {_kind(value)}")
    return value


def _text(raw: Mapping[str, Any], key: str, path: str, *, optional: bool = False) -> Any:
    value = raw.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or (value == "" and not optional):
        raise SessionError(f"{path}.{key}", f"must be {'text or null' if optional else 'non-empty text'}, got {_kind(value)}")
    return value


def _text_item(value: Any, path: str) -> str:
    if not isinstance(value, str) or value == "":
        raise SessionError(path, f"must be non-empty text, got {_kind(value)}")
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int(raw: Mapping[str, Any], key: str, path: str) -> int:
    value = raw.get(key)
    if not _is_int(value):
        raise SessionError(f"{path}.{key}", f"must be a whole number, got {_kind(value)}")
    result: int = value
    return result


def _number(raw: Mapping[str, Any], key: str, path: str) -> float:
    value = raw.get(key)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise SessionError(f"{path}.{key}", f"must be a number, got {_kind(value)}")
    return float(value)


def _choice(raw: Mapping[str, Any], key: str, path: str, choices: tuple[str, ...]) -> str:
    value = raw.get(key)
    if value not in choices:
        raise SessionError(f"{path}.{key}", f"must be one of {', '.join(choices)}, got {value!r}")
    result: str = value
    return result


def _instant(raw: Mapping[str, Any], key: str, path: str) -> float:
    value = raw.get(key)
    try:
        return parse_iso(value) if isinstance(value, str) else _not_a_time(value)
    except ValueError:
        raise SessionError(f"{path}.{key}", f"must be an ISO 8601 date-time from year 1 to 9999, such as 2026-01-01T00:00:00.000Z, got {value!r}") from None


def _not_a_time(value: Any) -> float:
    raise ValueError(value)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value[:40]!r}" if value else "empty text"
    return "a list" if isinstance(value, list) else "an object"
