"""Reading batches from files or stdin, one batch at a time: one batch object, a JSON array of
batches (the /v2/bulkevents body), or newline-delimited batches (NDJSON).

Inputs are streamed, so memory stays flat however large the input: an array is cut into its
elements as bytes arrive (`forwarder.json_stream`), NDJSON is read a line at a time, and only the
first value may span lines (a pretty-printed batch). Every element and line is parsed by the same
`json_stream.loads`, so every shape follows one set of rules; bytes that are not UTF-8 are kept as
lone surrogates, which the mapping refuses by JSON path.

An input that cannot be read as batches at all raises InputError when it is opened, before anything
is sent (the CLI exits 2). After that, a batch whose text is broken becomes an `InputBatch` with an
`error`, reported as rejected, while the batches around it still go.
"""

from __future__ import annotations

import codecs
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from forwarder.json_stream import ArraySplitter, StreamBroken, bracket_depth, loads
from forwarder.model import ForwarderError

# Larger than any batch mParticle sends (it splits uploads long before this); a line or element
# beyond it is refused unread, so a file with no line breaks cannot fill memory. Our assumption.
MAX_BATCH_BYTES = 16 * 2**20
READ_CHUNK_BYTES = 2**20
_BOM = b"\xef\xbb\xbf"
_WHITESPACE = b" \t\r\n"


class InputError(ForwarderError):
    """An input that cannot be read as batches at all; the message names the input."""


@dataclass(frozen=True)
class InputBatch:
    """One batch as read, with where it came from; `error` set when its text was not JSON."""

    source: str
    batch: Any = None
    error: str | None = None


class Input:
    """One opened input: checked to hold batches when opened, then read lazily by `batches()`."""

    def __init__(self, label: str, stream: BinaryIO, *, owned: bool = False) -> None:
        self.label = label
        self.stream = stream
        self.owned = owned  # a file we opened, to close; never stdin
        self.first = _first_bytes(stream, label)
        self.lines = _Lines(stream, self.first) if self.first[:1] == b"{" else None
        items = self._array() if self.lines is None else self._values()
        self._primed = [item for item in (next(items, None), next(items, None)) if item is not None]
        self._rest = items
        if len(self._primed) == 1 and self._primed[0].error is not None and self.lines is not None:
            raise InputError(f"{label}: {self._primed[0].error}")

    def __enter__(self) -> Input:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self.owned:
            self.stream.close()

    def batches(self) -> Iterator[InputBatch]:
        """Every batch of the input in order, read as they are asked for."""
        yield from self._primed
        self._primed = []
        yield from self._rest

    # --- a JSON array: cut into elements as bytes arrive ---------------------------------------
    def _array(self) -> Iterator[InputBatch]:
        splitter = ArraySplitter(MAX_BATCH_BYTES)
        # Bytes that are not UTF-8 become lone surrogates, which the mapping refuses by JSON path.
        decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        read = getattr(self.stream, "read1", self.stream.read)
        chunk = self.first
        try:
            while chunk:
                for element in splitter.feed(decoder.decode(chunk)):
                    yield InputBatch(f"{self.label}[{element.index}]", element.value, element.error)
                chunk = _read(read, self.label)
            for element in [*splitter.feed(decoder.decode(b"", final=True)), *splitter.finish()]:
                yield InputBatch(f"{self.label}[{element.index}]", element.value, element.error)
            splitter.close()
        except StreamBroken as error:
            yield InputBatch(f"{self.label}[{splitter.index}]", error=str(error))

    # --- one batch a line, the first one possibly pretty-printed over several ------------------
    def _values(self) -> Iterator[InputBatch]:
        assert self.lines is not None
        first = self.lines.next()
        if first is not None and first.data is not None and bracket_depth(first.data) > 0:
            yield from self._document(first)
        elif first is not None:
            yield self._line(first, single=self.lines.peek() is None)
        while (line := self.lines.next()) is not None:
            yield self._line(line, single=False)

    def _document(self, first: _Line) -> Iterator[InputBatch]:
        """A value spread over lines: gathered until its brackets close, then parsed whole. If it
        does not parse, its lines are read one by one instead (NDJSON whose first line is broken)."""
        assert self.lines is not None and first.data is not None
        gathered, size, depth = [first], len(first.data), bracket_depth(first.data)
        while depth > 0 and size <= MAX_BATCH_BYTES and (line := self.lines.next()) is not None:
            gathered.append(line)
            if line.data is None:  # too long: the document cannot hold it, so it is not one
                break
            size += len(line.data)
            depth = bracket_depth(line.data, depth)
        single = depth == 0 and self.lines.peek() is None
        source = self.label if single else f"{self.label}:{first.number}"
        whole = _parsed(source, b"".join(line.data or b"" for line in gathered), f"lines {first.number}-{gathered[-1].number} ")
        if whole.error is None or len(gathered) == 1:
            yield whole if whole.error is None else self._line(first, single=single)
            return
        yield from (self._line(line, single=False) for line in gathered)

    def _line(self, line: _Line, *, single: bool) -> InputBatch:
        source = self.label if single else f"{self.label}:{line.number}"
        if line.data is None:
            return InputBatch(source, error=f"line {line.number} is longer than {MAX_BATCH_BYTES} bytes")
        return _parsed(source, line.data, f"line {line.number} ")


@dataclass(frozen=True)
class _Line:
    """A non-blank line and its number; `data` None when it was too long to keep."""

    number: int
    data: bytes | None


class _Lines:
    """Non-blank lines of a stream, each at most MAX_BATCH_BYTES, with one line of look-ahead."""

    def __init__(self, stream: BinaryIO, first: bytes) -> None:
        self.stream = stream
        self.carry = first  # bytes read ahead while looking for the input's first character
        self.number = 0
        self.ahead: _Line | None = None
        self.ahead_read = False

    def next(self) -> _Line | None:
        line = self.peek()
        self.ahead_read = False
        return line

    def peek(self) -> _Line | None:
        if not self.ahead_read:
            self.ahead, self.ahead_read = self._read(), True
        return self.ahead

    def _read(self) -> _Line | None:
        while True:
            data = self._raw_line()
            if not data:
                return None
            self.number += 1
            if len(data.rstrip(b"\r\n")) > MAX_BATCH_BYTES:
                if not data.endswith(b"\n"):
                    self._skip_rest_of_line()
                return _Line(self.number, None)
            if data.strip(_WHITESPACE):
                return _Line(self.number, data)

    def _raw_line(self) -> bytes:
        if self.carry:
            newline = self.carry.find(b"\n")
            if newline >= 0:
                line, self.carry = self.carry[: newline + 1], self.carry[newline + 1 :]
                return line
            line, self.carry = self.carry, b""
            if len(line) > MAX_BATCH_BYTES:
                return line
            return line + self._readline(MAX_BATCH_BYTES + 1 - len(line))
        return self._readline(MAX_BATCH_BYTES + 1)

    def _readline(self, limit: int) -> bytes:
        try:
            return self.stream.readline(limit)
        except OSError as error:
            raise InputError(f"cannot read on: {error.strerror or error}") from None

    def _skip_rest_of_line(self) -> None:
        while (rest := self._readline(READ_CHUNK_BYTES)) and not rest.endswith(b"\n"):
            pass


def open_input(name: str, stdin: BinaryIO) -> Input:
    """File `name` (`-` for stdin) opened and checked to hold batches; InputError if it cannot."""
    label = "<stdin>" if name == "-" else os.fsencode(name).decode("utf-8", "backslashreplace")
    if name == "-":
        return Input(label, stdin)
    try:
        stream = open(name, "rb")  # noqa: SIM115: Input closes it
    except OSError as error:
        raise InputError(f"cannot read {label}: {error.strerror or error}") from None
    try:
        return Input(label, stream, owned=True)
    except BaseException:
        stream.close()
        raise


def read_input(name: str, stdin: BinaryIO) -> list[InputBatch]:
    """All the batches in file `name` (`-` for stdin), for callers that want them at once."""
    with open_input(name, stdin) as opened:
        return list(opened.batches())


def parse_batches(data: bytes, label: str) -> list[InputBatch]:
    """Batches from the bytes of one input, in any of the three accepted forms."""
    return list(Input(label, io.BytesIO(data)).batches())


def _parsed(source: str, data: bytes, what: str) -> InputBatch:
    try:
        return InputBatch(source, loads(data.decode("utf-8", "surrogateescape")))
    except ValueError as error:
        return InputBatch(source, error=f"{what}{error}")


def _first_bytes(stream: BinaryIO, label: str) -> bytes:
    """The input's first bytes from its first non-blank character on; InputError if it has none
    or it cannot be a batch, an array or NDJSON."""
    read = getattr(stream, "read1", stream.read)
    data = _read(read, label).removeprefix(_BOM)
    while data and not data.lstrip(_WHITESPACE):
        data = _read(read, label)
    data = data.lstrip(_WHITESPACE)
    if not data:
        raise InputError(f"{label} is empty: expected a batch, a JSON array of batches, or NDJSON")
    if data[:1] not in (b"{", b"["):
        raise InputError(f"{label} is not valid JSON: expected a batch object, a JSON array of batches or NDJSON, got {data[:20]!r}")
    return data


def _read(read: Any, label: str) -> bytes:
    try:
        chunk: bytes = read(READ_CHUNK_BYTES)
    except OSError as error:
        raise InputError(f"cannot read {label}: {error.strerror or error}") from None
    return chunk
