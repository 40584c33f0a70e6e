"""Simulator settings: the documented limits by default, every assumption switchable.

A config is a frozen dataclass built from a mapping (a dict in Python, a JSON file for
`heap-mock serve --config FILE`). Each key is checked by its rule in `CHECKS` (heap_facts.fields, the
one way settings and control input are checked): an unknown key or a wrong value is refused with a
message that names the key's path, so a typo never silently leaves a default in force.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from heap_facts import fields
from heap_facts.fields import FieldError
from heap_facts.lengths import MAX_BULK_ITEMS, MAX_DELETION_USERS
from heap_facts.limits import DOCUMENTED_LIMITS, IDENTIFY_MAX_USER_IDS, IDENTIFY_WINDOW_DAYS
from heap_mock.fidelity import FIDELITIES, Fidelity

# A config the simulator cannot start with: a key that does not exist or holds a value its rule
# refuses, or a file that cannot be read. The one error of checked input (heap_facts.fields).
ConfigError = FieldError
CONFIG = "config"  # the root of every key's path in a message: config.limits.track.limit


@dataclass(frozen=True)
class LimitSpec:
    """`limit` units (requests or events) admitted in any sliding window of `window_s` seconds."""

    limit: int
    window_s: float


def _documented_limits() -> dict[str, LimitSpec]:
    # Sources: D-track, D-aup, D-btrack and the seed page's Data Processing Notes (heap_facts.limits).
    return {name: LimitSpec(spec.limit, spec.window_s) for name, spec in DOCUMENTED_LIMITS.items()}


@dataclass(frozen=True)
class Config:
    limits_enabled: bool = True
    limits: dict[str, LimitSpec] = field(default_factory=_documented_limits)
    # D-ident: at most 10 user_ids per identity over a one-month period (heap_facts.limits).
    identify_max_user_ids: int = IDENTIFY_MAX_USER_IDS
    identify_window_days: float = IDENTIFY_WINDOW_DAYS
    max_bulk_items: int = MAX_BULK_ITEMS
    max_deletion_users: int = MAX_DELETION_USERS
    # Undocumented by Heap (heap-api.md §7.14); a generous default that still bounds memory.
    max_body_bytes: int = 10 * 1024 * 1024
    journal_limit: int = 10_000
    # The event store drops its oldest events past this many (counted as events_dropped in /_mock/health),
    # so a simulator left running cannot exhaust the machine: about 0.5 GB at the default.
    max_events: int = 1_000_000
    # Users and accounts past these many drop the oldest created (counted as users_dropped and
    # accounts_dropped in /_mock/health); a dropped user's identify links go with it.
    max_users: int = 1_000_000
    max_accounts: int = 1_000_000
    # The journal also drops its oldest entries once their bodies pass this many bytes in all.
    journal_max_bytes: int = 256 * 1024 * 1024
    # Heap does not say whether an over-long string value is rejected or cut: "reject" or "truncate".
    long_values: str = "reject"
    # H-postman: a deletion token "expires in 5 minutes".
    deletion_token_ttl_s: float = 300.0
    # None accepts any non-empty api_key; a string accepts only that key.
    deletion_api_key: str | None = None
    deletion_completes_after_s: float = 60.0
    log_requests: bool = True
    # Where Heap's docs and the live server part (heap_mock.fidelity): "observed" accepts with a
    # warning what live Heap was seen to accept; "documented" refuses everything the docs forbid.
    fidelity: str = "observed"
    # Heap's throttle answer is undocumented (heap-api.md §7.2): status, Retry-After ("seconds",
    # "milliseconds" or "none") and body ("text", "json" or "empty") match it once it is known.
    throttle_status: int = 429
    throttle_retry_after: str = "seconds"
    throttle_body: str = "text"
    # The success body of track, add_user_properties, identify and the partner endpoints is
    # undocumented: "{}" (JSON), "OK" (text) or "" (empty). add_account_properties documents `OK`.
    success_body: str = "{}"
    # Names besides IP addresses and `localhost` that the simulator's own pages answer to
    # (http_layer/origin_policy.py): a container or network name; "*" for any.
    allowed_hosts: tuple[str, ...] = ()
    # A client that sends no more of a body for this many seconds is answered 408 and holds
    # nothing meanwhile (under granian; waitress reads bodies in its own loop and times out idle
    # connections itself).
    body_idle_timeout_s: float = 10.0
    # A session file written by GET /_mock/export to start with (heap-mock serve --load FILE), or None.
    session_file: str | None = None

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> Config:
        """Build a config from plain values, refusing unknown keys and wrong types by name."""
        return cls() if values is None else cls(**_checked(values))

    @classmethod
    def from_file(cls, path: str | Path) -> Config:
        where = f"config file {path}"
        try:
            values = orjson.loads(Path(path).read_bytes())
        except OSError as error:
            raise ConfigError(where, f"cannot be read ({error.strerror})") from None
        except orjson.JSONDecodeError as error:
            raise ConfigError(where, f"is not valid JSON ({error})") from None
        return cls.from_mapping(fields.json_object(values, where))

    @property
    def truncates_long_values(self) -> bool:
        return self.long_values == "truncate"

    @functools.cached_property
    def fidelity_mode(self) -> Fidelity:
        """`fidelity` as the validators take it; looked up once, not on every request."""
        return Fidelity(self.fidelity)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["allowed_hosts"] = list(self.allowed_hosts)  # JSON has arrays, not tuples
        return data


THROTTLE_STATUS_RANGE = (400, 599)  # any HTTP error status a client might be answered with
CHOICES = {
    "fidelity": FIDELITIES,
    "throttle_retry_after": ("seconds", "milliseconds", "none"),
    "throttle_body": ("text", "json", "empty"),
    "success_body": ("{}", "OK", ""),
    "long_values": ("reject", "truncate"),
}
LIMIT_FIELDS = ("limit", "window_s")
Check = Callable[[Any, str], Any]


def _choice(key: str) -> Check:
    return lambda value, path: fields.one_of(value, path, CHOICES[key])


def _positive_whole(value: Any, path: str) -> int:
    return fields.whole_number(value, path, low=1)


# How each key is checked (heap_facts.fields), and so what type it holds.
CHECKS: dict[str, Check] = {
    "limits_enabled": fields.flag,
    "log_requests": fields.flag,
    **dict.fromkeys(("identify_max_user_ids", "max_bulk_items", "max_deletion_users", "max_body_bytes", "journal_limit",
                     "journal_max_bytes", "max_events", "max_users", "max_accounts"), _positive_whole),
    "identify_window_days": lambda value, path: fields.number(value, path, low=0, unit="days"),
    "deletion_token_ttl_s": fields.seconds,
    "deletion_completes_after_s": fields.seconds,
    "body_idle_timeout_s": lambda value, path: fields.seconds(value, path, positive=True),
    **{key: _choice(key) for key in CHOICES},
    "throttle_status": lambda value, path: fields.whole_number(value, path, *THROTTLE_STATUS_RANGE, what="an HTTP error status"),
    "allowed_hosts": lambda value, path: fields.names(value, path, what='a list of host names ("*" allows any)'),
    "session_file": lambda value, path: fields.optional_text(value, path, what="the path of a session file"),
    "deletion_api_key": fields.optional_text,
    "limits": lambda value, path: _checked_limits(value, path),  # noqa: PLW0108 - defined below, looked up when called
}  # fmt: skip


def _checked(values: Mapping[str, Any]) -> dict[str, Any]:
    """Every key checked by its rule, refusing unknown keys by name."""
    fields.known_fields(values, CONFIG, CHECKS)
    return {key: CHECKS[key](value, fields.join(CONFIG, key)) for key, value in values.items()}


def _checked_limits(value: Any, path: str) -> dict[str, LimitSpec]:
    """Merge given limits over the documented ones: `{"track": {"limit": 5, "window_s": 10}}`."""
    limits = _documented_limits()
    fields.known_fields(fields.json_object(value, path), path, limits)
    for name, spec in value.items():
        if isinstance(spec, LimitSpec):
            limits[name] = spec
            continue
        where = fields.join(path, name)
        fields.known_fields(fields.json_object(spec, where), where, LIMIT_FIELDS)
        limit = fields.optional(spec, "limit", where, _positive_whole, limits[name].limit)
        window = fields.optional(spec, "window_s", where, lambda value, at: fields.seconds(value, at, positive=True), limits[name].window_s)
        limits[name] = LimitSpec(limit, float(window))
    return limits
