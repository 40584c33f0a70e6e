"""Simulator settings: the documented limits by default, every assumption switchable.

A config is a frozen dataclass built from a mapping (a dict in Python, a JSON file for
`heap-mock serve --config FILE`). Unknown keys and wrong types are refused with a message that
names the key, so a typo never silently leaves a default in force.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from heap_facts.lengths import MAX_BULK_ITEMS, MAX_DELETION_USERS
from heap_facts.limits import DOCUMENTED_LIMITS, IDENTIFY_MAX_USER_IDS, IDENTIFY_WINDOW_DAYS
from heap_mock.fidelity import FIDELITIES, Fidelity


class ConfigError(ValueError):
    """A config key that does not exist or has a value of the wrong kind."""


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
        if values is None:
            return cls()
        known = {f.name: f for f in dataclasses.fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in values.items():
            if key not in known:
                raise ConfigError(f"unknown config key {key!r}; known keys: {', '.join(sorted(known))}")
            kwargs[key] = _coerce(key, value)
        return cls(**kwargs)

    @classmethod
    def from_file(cls, path: str | Path) -> Config:
        try:
            values = orjson.loads(Path(path).read_bytes())
        except OSError as error:
            raise ConfigError(f"cannot read config file {path}: {error.strerror}") from None
        except orjson.JSONDecodeError as error:
            raise ConfigError(f"config file {path} is not valid JSON: {error}") from None
        if not isinstance(values, dict):
            raise ConfigError(f"config file {path} must hold a JSON object")
        return cls.from_mapping(values)

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


_BOOLS = {"limits_enabled", "log_requests"}
_POSITIVE_INTS = {"identify_max_user_ids", "max_bulk_items", "max_deletion_users", "max_body_bytes", "journal_limit", "journal_max_bytes", "max_events",
                  "max_users", "max_accounts"}
THROTTLE_STATUS_RANGE = (400, 599)  # any HTTP error status a client might be answered with
CHOICES = {
    "fidelity": FIDELITIES,
    "throttle_retry_after": ("seconds", "milliseconds", "none"),
    "throttle_body": ("text", "json", "empty"),
    "success_body": ("{}", "OK", ""),
}
_NUMBERS = {"identify_window_days", "deletion_token_ttl_s", "deletion_completes_after_s"}
_POSITIVE_NUMBERS = {"body_idle_timeout_s"}


def _coerce(key: str, value: Any) -> Any:
    if key in _BOOLS:
        return _expect(key, value, isinstance(value, bool), "true or false")
    if key in _POSITIVE_INTS:
        ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
        return _expect(key, value, ok, "a positive whole number")
    if key in _NUMBERS:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
        return float(_expect(key, value, ok, "a number of seconds (or days) >= 0"))
    if key in _POSITIVE_NUMBERS:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
        return float(_expect(key, value, ok, "a number of seconds > 0"))
    if key == "long_values":
        return _expect(key, value, value in ("reject", "truncate"), '"reject" or "truncate"')
    if key in CHOICES:
        choices = CHOICES[key]
        return _expect(key, value, value in choices, " or ".join(f'"{choice}"' for choice in choices))
    if key == "throttle_status":
        low, high = THROTTLE_STATUS_RANGE
        ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
        return _expect(key, value, ok, f"an HTTP error status from {low} to {high}")
    if key == "allowed_hosts":
        ok = isinstance(value, (list, tuple)) and all(isinstance(name, str) and name.strip() for name in value)
        return tuple(_expect(key, value, ok, "a list of host names (\"*\" allows any)"))
    if key == "session_file":
        return _expect(key, value, value is None or (isinstance(value, str) and value.strip() != ""), "the path of a session file, or null")
    if key == "deletion_api_key":
        return _expect(key, value, value is None or (isinstance(value, str) and value != ""), "a non-empty string or null")
    return _coerce_limits(value)


def _expect(key: str, value: Any, ok: bool, wanted: str) -> Any:
    if not ok:
        raise ConfigError(f"config key {key!r} must be {wanted}, got {value!r}")
    return value


def _coerce_limits(value: Any) -> dict[str, LimitSpec]:
    """Merge given limits over the documented ones: `{"track": {"limit": 5, "window_s": 10}}`."""
    if not isinstance(value, Mapping):
        raise ConfigError("config key 'limits' must be an object of limit names to {limit, window_s}")
    limits = _documented_limits()
    for name, spec in value.items():
        if name not in limits:
            raise ConfigError(f"unknown limit {name!r} in 'limits'; known: {', '.join(limits)}")
        if isinstance(spec, LimitSpec):
            limits[name] = spec
            continue
        if not isinstance(spec, Mapping) or set(spec) - {"limit", "window_s"}:
            raise ConfigError(f"limits.{name} must be an object with 'limit' and/or 'window_s'")
        limit, window = spec.get("limit", limits[name].limit), spec.get("window_s", limits[name].window_s)
        if not (isinstance(limit, int) and not isinstance(limit, bool) and limit > 0):
            raise ConfigError(f"limits.{name}.limit must be a positive whole number, got {limit!r}")
        if not (isinstance(window, (int, float)) and not isinstance(window, bool) and window > 0):
            raise ConfigError(f"limits.{name}.window_s must be a positive number of seconds, got {window!r}")
        limits[name] = LimitSpec(limit, float(window))
    return limits
