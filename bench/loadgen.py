"""A small HTTP/1.1 keep-alive load generator, in the spirit of wrk, for loopback benchmarks.

Each worker process drives several connections with a selector, one request in flight per
connection, building each request body from a template so identities can vary per request.
Written here because the machine has no wrk by default. bench_simulator measures single-track
rates with wrk when it is on PATH (it leaves more of the CPU to the server) and with this otherwise.
"""

from __future__ import annotations

import multiprocessing
import selectors
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

BodyMaker = Callable[[int], bytes]


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def _request_bytes(host: str, path: str, body: bytes) -> bytes:
    head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


class _Connection:
    def __init__(self, address: tuple[str, int]) -> None:
        self.sock = socket.create_connection(address)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.started = 0.0

    def response_complete(self) -> int | None:
        """The status once a whole response is buffered (and drop it from the buffer), else None."""
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return None
        head = self.buffer[:head_end].decode("latin-1")
        length = 0
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
        if len(self.buffer) < head_end + 4 + length:
            return None
        self.buffer = self.buffer[head_end + 4 + length:]
        return int(head.split(" ", 2)[1])


def _worker(url: str, path: str, make_body: BodyMaker, seed: int, connections: int, seconds: float, queue: multiprocessing.Queue[LoadResult]) -> None:
    parts = urlsplit(url)
    address = (parts.hostname or "127.0.0.1", parts.port or 80)
    selector = selectors.DefaultSelector()
    counter = seed
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.perf_counter() + seconds

    def send(conn: _Connection) -> None:
        nonlocal counter
        counter += 1
        conn.started = time.perf_counter()
        conn.sock.sendall(_request_bytes(parts.netloc, path, make_body(counter)))

    for _ in range(connections):
        conn = _Connection(address)
        selector.register(conn.sock, selectors.EVENT_READ, conn)
        send(conn)
    done = 0
    while time.perf_counter() < deadline:
        for key, _ in selector.select(timeout=1.0):
            conn = key.data
            conn.buffer += conn.sock.recv(65536)
            status = conn.response_complete()
            if status is not None:
                done += 1
                latencies.append((time.perf_counter() - conn.started) * 1000)
                statuses[status] = statuses.get(status, 0) + 1
                send(conn)
    queue.put(LoadResult(done, seconds, latencies, statuses))


def run_load(url: str, path: str, make_body: BodyMaker, *, seconds: float, processes: int = 2, connections: int = 8) -> LoadResult:
    """Send requests for `seconds` from `processes` workers sharing `connections`; returns the totals."""
    queue: multiprocessing.Queue[LoadResult] = multiprocessing.Queue()
    per_process = max(1, connections // processes)
    workers = [
        multiprocessing.Process(target=_worker, args=(url, path, make_body, index * 10**9, per_process, seconds, queue))
        for index in range(processes)
    ]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=seconds + 30) for _ in workers]
    for worker in workers:
        worker.join()
    statuses: dict[int, int] = {}
    for result in results:
        for status, count in result.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    return LoadResult(sum(r.requests for r in results), seconds, [x for r in results for x in r.latencies_ms], statuses)
