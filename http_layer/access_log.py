"""The access log: one line per request on stderr, for the person watching the terminal.

Both servers write the same line: time, method, path, status, duration, request id, and a note
(the rule that refused it, or the warnings it drew). Not a journal: the simulator keeps requests
for its inspection API in `heap_mock`'s journal, the front keeps lineage.

A server's log gathers its lines and writes them together at most `flush_every_s` apart (a
twentieth of a second): stderr flushes every line, so a line per request written at once was a
system call per request, a cost the simulator's hot path need not pay for a terminal that no one
reads faster than that. A flusher thread writes what is waiting when traffic stops, and a line
that is not about a request (`say`) goes out at once, after the lines before it.
"""

from __future__ import annotations

import atexit
import sys
import threading
import time
from typing import TextIO

from http_layer.one_line import one_line

SERVER_FLUSH_EVERY_S = 0.05


class AccessLog:
    """One line per request on a stream (stderr by default), lines whole, in the order they came.

    Written directly rather than through `logging`, which cost a sixth of the request time.
    """

    def __init__(self, stream: TextIO | None = None, *, enabled: bool = True, flush_every_s: float | None = None) -> None:
        self._stream = stream
        self.enabled = enabled
        self.flush_every_s = flush_every_s
        self._second = -1
        self._stamp = ""
        self._lock = threading.Lock()
        self._pending: list[str] = []
        self._flusher: threading.Thread | None = None

    def write(self, method: str, path: str, status: int, duration_ms: float, request_id: str = "", note: str = "") -> None:
        if not self.enabled:
            return
        now = int(time.time())
        if now != self._second:
            self._second, self._stamp = now, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
        line = one_line(f"{self._stamp} {method} {path} {status} {duration_ms:.1f}ms {request_id} {note}".rstrip())  # a %0A in the path forges no line
        if self.flush_every_s is None:
            self._emit(line + "\n")
            return
        with self._lock:
            self._pending.append(line)
            if self._flusher is None:
                self._start_flusher()

    def say(self, line: str) -> None:
        """A line that is not about one request (a refused TLS handshake), in the same stream, at once."""
        if self.enabled:
            self.flush()
            self._emit(one_line(line) + "\n")

    def flush(self) -> None:
        """Write every line waiting, now."""
        with self._lock:
            lines, self._pending = self._pending, []
        if lines:
            self._emit("\n".join(lines) + "\n")

    def _emit(self, text: str) -> None:
        with self._lock:
            try:
                (self._stream or sys.stderr).write(text)
            except (OSError, ValueError):
                pass  # a closed terminal must not fail the request it describes

    def _start_flusher(self) -> None:
        """The thread that writes waiting lines every `flush_every_s` (started with the first line; lock held)."""
        self._flusher = threading.Thread(target=self._flush_forever, name="access-log", daemon=True)
        self._flusher.start()
        atexit.register(self.flush)

    def _flush_forever(self) -> None:
        assert self.flush_every_s is not None
        while True:
            time.sleep(self.flush_every_s)  # the terminal's pace, not a test's: nothing waits on it
            self.flush()
