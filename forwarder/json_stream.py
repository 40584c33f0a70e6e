"""Reading JSON values one at a time out of a stream, and one parser for all of them. Pure: no I/O.

The forwarder reads inputs far larger than memory should hold, so it takes one batch at a time.
An array is read element by element with the stdlib decoder's `raw_decode`, which parses one value
where it starts and says where it ends. An element it cannot parse (deep nesting, a bad token) is
then cut out by tracking brackets and strings alone, and refused by itself while its neighbours go.

Why not ijson: bench/bench_inputs.py measures it, and its C backend reads values its own way
(it turns a lone surrogate into "?", refuses NaN and integers beyond 64 bits), so an array would be
read by other rules than NDJSON. With `loads` below for every line and element, every input shape
follows the same rules.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

# A bracket, a comma or the opening quote of a string; and the rest of a string after its quote.
_STRUCTURAL = re.compile(r'[\[\]{},"]')
_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_STRUCTURAL_BYTES = re.compile(rb'[\[\]{}"]')
_STRING_REST_BYTES = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_WHITESPACE = " \t\r\n"
_DECODER = json.JSONDecoder()


class StreamBroken(ValueError):
    """The stream cannot be cut any further: what follows has no element boundaries to find."""


def loads(text: str) -> Any:
    """One JSON value, read as Python's json module reads it: NaN and Infinity, integers of any size
    and lone surrogates are taken here and judged by the mapping, which names them. ValueError
    says what is wrong, as a predicate ("is not valid JSON: ...")."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("is nested too deeply to read (Python's JSON reader stops near 1,000 levels)") from None
    except ValueError as error:
        raise ValueError(f"is not valid JSON: {error}") from None


@dataclass(frozen=True)
class Element:
    """One array element: its index, and its value or, when it could not be read, why not."""

    index: int
    value: Any = None
    error: str | None = None


class ArraySplitter:
    """Reads a JSON array fed as text in chunks, one element at a time, in order.

    `feed` returns the elements a chunk completes; `close` raises StreamBroken unless the array
    ended properly. An element growing past `max_element_chars` stops the reading (StreamBroken),
    so a stream with no boundaries cannot make the buffer grow without bound.
    """

    def __init__(self, max_element_chars: int) -> None:
        self.max_element_chars = max_element_chars
        self.buffer = ""
        self.position = 0  # where scanning resumes in `buffer`
        self.start = -1  # where the current element starts; -1 before the opening bracket
        self.depth = 0  # brackets open inside the current element, when scanning by brackets
        self.scanning = False  # the current element could not be parsed: find its end by brackets
        self.index = 0
        self.ended = False
        self.trailing = False  # something other than whitespace after the closing ]

    def feed(self, chunk: str) -> list[Element]:
        """The elements this chunk completes; StreamBroken when the array cannot be read further."""
        if self.ended:
            self.trailing = self.trailing or bool(chunk.strip(_WHITESPACE))
            return []
        if self.start > 0:
            self.buffer, self.position, self.start = self.buffer[self.start :], self.position - self.start, 0
        self.buffer += chunk
        elements = self._read() if self.start >= 0 or self._open() else []
        if not self.ended and len(self.buffer) - self.start > self.max_element_chars:
            raise StreamBroken(f"element {self.index} is larger than {self.max_element_chars} characters or never ends; nothing after it can be read")
        return elements

    def finish(self) -> list[Element]:
        """At the end of the input: the last element if it is whole though the array never closed."""
        if self.ended or self.scanning or self.start < 0:
            return []
        at = _skip_whitespace(self.buffer, self.start)
        try:
            value, end = _DECODER.raw_decode(self.buffer, at)
        except (ValueError, RecursionError):
            return []
        if self.buffer[end:].strip(_WHITESPACE):
            return []
        self.start = self.position = len(self.buffer)
        self.index += 1
        return [Element(self.index - 1, value)]

    def close(self) -> None:
        """Raises StreamBroken unless the array was closed and nothing but whitespace followed it."""
        if self.trailing:
            raise StreamBroken("content after the array's closing ] (one array per input; nothing after it is read)")
        if self.ended:
            return
        if self.start >= 0 and not self.buffer[self.start :].strip(_WHITESPACE):
            where = f"after element {self.index - 1}" if self.index else "before the first element"
            raise StreamBroken(f"the input ends {where}: the array is not closed (no ])")
        raise StreamBroken(f"the input ends inside element {self.index}: the array is not closed; nothing after it can be read")

    def _open(self) -> bool:
        stripped = self.buffer.lstrip(_WHITESPACE)
        if not stripped:
            return False
        if stripped[0] != "[":
            raise StreamBroken("an array of batches must start with [")
        self.start = self.position = len(self.buffer) - len(stripped) + 1
        return True

    def _read(self) -> list[Element]:
        elements: list[Element] = []
        while not self.ended:
            element = self._scan() if self.scanning else self._parse()
            if element is None:
                break
            elements.append(element)
        if self.ended:
            self.trailing = bool(self.buffer[self.position :].strip(_WHITESPACE))
            self.buffer, self.position, self.start = "", 0, -1
        return elements

    def _parse(self) -> Element | None:
        """The next element parsed where it starts (the fast way); None to wait for more text or
        when the array closed with no element; switches to scanning if it cannot parse."""
        at = _skip_whitespace(self.buffer, self.start)
        if at == len(self.buffer):
            return None
        if self.buffer[at] == "]" and self.index == 0:
            self.ended, self.position = True, at + 1
            return None
        try:
            value, end = _DECODER.raw_decode(self.buffer, at)
        except json.JSONDecodeError as error:
            if error.pos >= len(self.buffer):
                return None  # the element goes on in text not yet read
            self.scanning, self.position = True, self.start
            return self._scan()
        except RecursionError:
            self.scanning, self.position = True, self.start
            return self._scan()
        after = _skip_whitespace(self.buffer, end)
        if after == len(self.buffer):
            return None  # cannot tell yet whether a comma or ] follows
        if self.buffer[after] not in ",]":
            self.scanning, self.position = True, end
            return self._scan()
        return self._next(after, Element(self.index, value))

    def _scan(self) -> Element | None:
        """The end of an element found by brackets and strings alone; None to wait for more text."""
        buffer, position = self.buffer, self.position
        while (found := _STRUCTURAL.search(buffer, position)) is not None:
            char = found.group()
            position = found.end()
            if char == '"':
                rest = _STRING_REST.match(buffer, position)
                if rest is None:
                    self.position = found.start()
                    return None
                position = rest.end()
            elif char in "[{":
                self.depth += 1
            elif self.depth > 0 and char in "]}":
                self.depth -= 1
            elif self.depth == 0 and char in ",]":
                text = buffer[self.start : found.start()].strip(_WHITESPACE)
                try:
                    element = Element(self.index, loads(text))
                except ValueError as error:
                    element = Element(self.index, error=str(error))
                self.scanning, self.depth = False, 0
                return self._next(found.start(), element)
        self.position = len(buffer)
        return None

    def _next(self, separator: int, element: Element) -> Element:
        """Moves past the comma or ] at `separator` after `element`."""
        self.index += 1
        self.ended = self.buffer[separator] == "]"
        self.start = self.position = separator + 1
        return element


def _skip_whitespace(text: str, position: int) -> int:
    while position < len(text) and text[position] in _WHITESPACE:
        position += 1
    return position


def bracket_depth(line: bytes, depth: int = 0) -> int:
    """The bracket depth after `line`, starting from `depth`; brackets inside strings do not count.

    For telling a pretty-printed batch (its first line leaves brackets open) from one batch a line.
    """
    position = 0
    while (found := _STRUCTURAL_BYTES.search(line, position)) is not None:
        byte = line[found.start()]
        position = found.end()
        if byte == 0x22:
            rest = _STRING_REST_BYTES.match(line, position)
            if rest is None:
                return depth
            position = rest.end()
        elif byte in b"[{":
            depth += 1
        elif byte in b"]}":
            depth = max(depth - 1, 0)
    return depth
