"""Text that must stay on one line: a violation in a 400 (one per line is the rule) and a log line.

User text reaches both: a property name is part of a violation's JSON path, and a request path is
part of the stderr request log, where a `%0A` in the URL would otherwise forge a line of its own.
Every character that `str.splitlines()` breaks on, and every other control character, is written
as a Python-style escape (`\\n`, `\\x1c`, `\\u2028`), which keeps the text readable and
unambiguous without changing any other character. Pure.
"""

from __future__ import annotations

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_BREAKS = ("\x85", "\u2028", "\u2029")  # splitlines() breaks on these besides the C0 controls


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_TABLE = {ord(char): _escape(char) for char in [*map(chr, range(0x20)), "\x7f", *_BREAKS]}


def one_line(text: str) -> str:
    """`text` with every line break and control character escaped, so it prints as exactly one line."""
    return text if text.isprintable() else text.translate(_TABLE)  # the check spares the common case a copy
