"""Finding where JSON values end in a stream of bytes, without parsing them. Pure: no I/O.

The forwarder reads inputs far larger than memory should hold, so it cuts them into one batch's
bytes at a time and parses each with the same parser (`forwarder.inputs`), whatever the input's
shape. Cutting only tracks brackets and strings, so an element that is not valid JSON (deep, NaN,
a bad token) is still cut out whole and refused alone while its neighbours go.

Why not ijson: measured in bench/bench_inputs.py, and its C backend reads numbers and strings its
own way (it turns a lone surrogate into "?" and refuses integers beyond 64 bits, which mParticle
IDs reach), so an array would be read by different rules than NDJSON. Cutting here and parsing
with one parser keeps one reading for every shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A bracket, a comma or the opening quote of a string; and the rest of a string after its quote.
_STRUCTURAL = re.compile(rb'[\[\]{},"]')
_STRING_REST = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_OPENERS = frozenset(b"[{")
_CLOSERS = frozenset(b"]}")
_WHITESPACE = b" \t\r\n"


class StreamBroken(ValueError):
    """The stream cannot be cut any further: what follows has no element boundaries to find."""


@dataclass(frozen=True)
class Element:
    """The bytes of one array element, and its index in the array."""

    index: int
    data: bytes


class ArraySplitter:
    """Cuts a JSON array fed in chunks into the bytes of its elements, in order.

    `feed` returns the elements completed by a chunk; `close` says whether the array ended
    properly. An element growing past `max_element_bytes` stops the cut (StreamBroken), so a
    stream with no boundaries cannot make the buffer grow without bound.
    """

    def __init__(self, max_element_bytes: int) -> None:
        self.max_element_bytes = max_element_bytes
        self.buffer = b""
        self.position = 0  # where scanning resumes in `buffer`
        self.start = -1  # where the current element starts; -1 before the opening bracket
        self.depth = 0  # brackets open inside the current element
        self.index = 0
        self.ended = False
        self.trailing = False  # something other than whitespace after the closing ]

    def feed(self, chunk: bytes) -> list[Element]:
        """The elements this chunk completes; StreamBroken when the array cannot be cut further."""
        if self.ended:
            self._check_trailing(chunk, 0)
            return []
        self.buffer = self.buffer[self.start :] + chunk if self.start > 0 else self.buffer + chunk
        if self.start > 0:
            self.position -= self.start
            self.start = 0
        elements = self._scan()
        if not self.ended and self.start >= 0 and len(self.buffer) - self.start > self.max_element_bytes:
            raise StreamBroken(f"element {self.index} is larger than {self.max_element_bytes} bytes or never ends")
        return elements

    def close(self) -> None:
        """Raises StreamBroken unless the array was closed and nothing but whitespace followed it."""
        if self.trailing:
            raise StreamBroken("content after the array's closing ]")
        if not self.ended:
            where = "before its opening [" if self.start < 0 else f"inside element {self.index}"
            raise StreamBroken(f"the input ends {where}: the array is not closed")

    def _scan(self) -> list[Element]:
        if self.start < 0 and not self._open():
            return []
        elements: list[Element] = []
        buffer, position = self.buffer, self.position
        while True:
            found = _STRUCTURAL.search(buffer, position)
            if found is None:
                self.position = len(buffer)
                return elements
            byte = buffer[found.start()]
            if byte == 0x22:  # a string: skip to its closing quote, or wait for more bytes
                rest = _STRING_REST.match(buffer, found.end())
                if rest is None:
                    self.position = found.start()
                    return elements
                position = rest.end()
                continue
            position = found.end()
            if byte in _OPENERS:
                self.depth += 1
            elif self.depth > 0 and byte in _CLOSERS:
                self.depth -= 1
            elif self.depth == 0 and (byte == 0x2C or byte == 0x5D):  # , or ] at the array's own level
                self._cut(elements, found.start(), last=byte == 0x5D)
                if self.ended:
                    self._check_trailing(buffer, position)
                    self.buffer, self.position, self.start = b"", 0, -1
                    return elements
                self.start = position

    def _open(self) -> bool:
        stripped = self.buffer.lstrip(_WHITESPACE)
        if not stripped:
            return False
        if stripped[0] != 0x5B:
            raise StreamBroken("an array of batches must start with [")
        self.start = self.position = len(self.buffer) - len(stripped) + 1
        return True

    def _cut(self, elements: list[Element], end: int, *, last: bool) -> None:
        data = self.buffer[self.start : end].strip(_WHITESPACE)
        if last and not data and self.index == 0:
            self.ended = True  # []
            return
        elements.append(Element(self.index, data))
        self.index += 1
        self.ended = last

    def _check_trailing(self, data: bytes, position: int) -> None:
        self.trailing = self.trailing or bool(data[position:].strip(_WHITESPACE))


def bracket_depth(line: bytes, depth: int = 0) -> int:
    """The bracket depth after `line`, starting from `depth`; brackets inside strings do not count.

    For telling a pretty-printed batch (its first line leaves brackets open) from one batch a line.
    """
    position = 0
    while (found := _STRUCTURAL.search(line, position)) is not None:
        byte = line[found.start()]
        position = found.end()
        if byte == 0x22:
            rest = _STRING_REST.match(line, position)
            if rest is None:
                return depth
            position = rest.end()
        elif byte in _OPENERS:
            depth += 1
        elif byte in _CLOSERS:
            depth = max(depth - 1, 0)
    return depth
