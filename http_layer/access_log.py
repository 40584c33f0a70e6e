"""The access log: one line per request on stderr, for the person watching the terminal.

Both servers write the same line: time, method, path, status, duration, request id, and a note
(the rule that refused it, or the warnings it drew). Not a journal: the simulator keeps requests
for its inspection API in `heap_mock`'s journal, the front keeps lineage.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from http_layer.one_line import one_line


class AccessLog:
    """One line per request on a stream (stderr by default), written whole under a lock.

    Written directly rather than through `logging`, which cost a sixth of the request time.
    """

    def __init__(self, stream: TextIO | None = None, *, enabled: bool = True) -> None:
        self._stream = stream
        self.enabled = enabled
        self._second = -1
        self._stamp = ""
        self._lock = threading.Lock()

    def write(self, method: str, path: str, status: int, duration_ms: float, request_id: str = "", note: str = "") -> None:
        if not self.enabled:
            return
        now = int(time.time())
        if now != self._second:
            self._second, self._stamp = now, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
        line = one_line(f"{self._stamp} {method} {path} {status} {duration_ms:.1f}ms {request_id} {note}".rstrip())  # a %0A in the path forges no line
        with self._lock:
            try:
                (self._stream or sys.stderr).write(line + "\n")
            except (OSError, ValueError):
                pass  # a closed terminal must not fail the request it describes

    def say(self, line: str) -> None:
        """A line that is not about one request (a refused TLS handshake), in the same stream."""
        if self.enabled:
            with self._lock:
                try:
                    (self._stream or sys.stderr).write(one_line(line) + "\n")
                except (OSError, ValueError):
                    pass
