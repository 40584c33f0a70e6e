"""Strict query parameters: a bad one answers 400 naming the parameter and what it should be.

`str.isdigit()` accepts `²`, `①` and `٣`, which `int()` then refuses, and `int()` refuses more
than 4,300 digits: so a whole number here is ASCII digits only, and few enough of them. The query
string is parsed once, at most `MAX_FIELDS` fields, with undecodable escapes replaced (never raised).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl

from http_layer.errors import BadParameter

MAX_FIELDS = 100
MAX_DIGITS = 18  # below 2^63: every store and OpenAPI bound fits


class QueryArgs:
    """The parameters of one query string, first value of each name, read by kind."""

    def __init__(self, query: str) -> None:
        try:
            pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="replace")
        except ValueError:
            raise BadParameter(f"at most {MAX_FIELDS} query parameters") from None
        self._values: dict[str, str] = {}
        for name, value in pairs:
            self._values.setdefault(name, value)

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def text(self, name: str, default: str | None = None) -> str | None:
        return self._values.get(name, default)

    def texts(self, names: Iterable[str]) -> dict[str, str]:
        """The given parameters that were sent, by name."""
        return {name: self._values[name] for name in names if name in self._values}

    def whole_number(self, name: str, default: int | None = None, *, maximum: int | None = None) -> int | None:
        """A whole number >= 0 (at most `maximum`), or `default` when absent."""
        value = self._values.get(name)
        if value is None:
            return default
        if not (value.isascii() and value.isdigit() and len(value) <= MAX_DIGITS):
            raise BadParameter(f"query parameter {name!r} should be a whole number >= 0, got {value[:40]!r}")
        number = int(value)
        if maximum is not None and number > maximum:
            raise BadParameter(f"query parameter {name!r} should be at most {maximum}, got {number}")
        return number

    def one_of(self, name: str, choices: tuple[str, ...], default: str | None = None) -> str | None:
        value = self._values.get(name, default)
        if value is not None and value not in choices:
            raise BadParameter(f"query parameter {name!r} should be one of {', '.join(choices)}, got {value[:40]!r}")
        return value

    def flag(self, name: str) -> bool | None:
        """`true` or `false`; None when absent."""
        value = self.one_of(name, ("true", "false"))
        return None if value is None else value == "true"
