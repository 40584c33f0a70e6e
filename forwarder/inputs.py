"""Reading batches from files or stdin: one batch object, a JSON array of batches (the
/v2/bulkevents body), or newline-delimited batches (NDJSON).

Input that cannot be read at all raises InputError (the CLI exits 2). In NDJSON, a line that is not
JSON is one broken batch, reported as rejected, while the lines around it still go.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from forwarder.model import ForwarderError


class InputError(ForwarderError):
    """An input that cannot be read as batches at all; the message names the input."""


@dataclass(frozen=True)
class InputBatch:
    """One batch as read, with where it came from; `error` set when its text was not JSON."""

    source: str
    batch: Any = None
    error: str | None = None


def read_input(name: str, stdin: BinaryIO) -> list[InputBatch]:
    """The batches in file `name` (`-` for stdin)."""
    label = "<stdin>" if name == "-" else name
    try:
        data = stdin.read() if name == "-" else Path(name).read_bytes()
    except OSError as error:
        raise InputError(f"cannot read {label}: {error.strerror or error}") from None
    return parse_batches(data, label)


def parse_batches(data: bytes, label: str) -> list[InputBatch]:
    """Batches from the bytes of one input, in any of the three accepted forms."""
    text = data.removeprefix(b"\xef\xbb\xbf")
    if not text.strip():
        raise InputError(f"{label} is empty: expected a batch, a JSON array of batches, or NDJSON")
    try:
        document = _loads(text)
    except ValueError as error:
        lines = [(number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
        if len(lines) < 2:
            raise InputError(f"{label} is not valid JSON: {error}") from None
        return [_ndjson_line(label, number, line) for number, line in lines]
    if isinstance(document, list):
        return [InputBatch(f"{label}[{index}]", batch) for index, batch in enumerate(document)]
    return [InputBatch(label, document)]


def _ndjson_line(label: str, number: int, line: bytes) -> InputBatch:
    source = f"{label}:{number}"
    try:
        return InputBatch(source, _loads(line))
    except ValueError as error:
        return InputBatch(source, error=f"line {number} is not valid JSON: {error}")


def _loads(data: bytes) -> Any:
    """orjson for speed; the stdlib for integers beyond 64 bits, which orjson refuses."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        try:
            return json.loads(data)
        except UnicodeDecodeError as error:
            raise ValueError(f"not UTF-8 text ({error.reason})") from None
