"""Running a site on a real port: granian (the default) or waitress, in a background thread.

`SiteServer(site, server=..., host=..., port=...)` binds, serves in a daemon thread and stops on
request; the commands (`heap-mock serve`, `heap-forward serve`) and the tests use the same class,
so the tests exercise the server users run.

- granian runs embedded in this process, speaking RSGI on its own event loop (uvloop when
  installed): one process, so state lives in memory, Ctrl-C stops it directly, and no worker
  process can outlive its parent. Clients that stall mid-body hold no thread (`http_layer.rsgi`).
- waitress runs its own loop and `threads` request threads (WSGI). Its channels recognise a TLS
  handshake sent to the plain-HTTP port and close it at once, saying why on the site's log
  (a client told to use https, such as mParticle's web SDK fetching its config, would otherwise
  wait minutes for an answer that never comes).

Ports: a port that something listens on, another simulator included, is refused (OSError), even
though granian binds with SO_REUSEPORT (which would otherwise let two servers share one port and
split its traffic); a port whose connections are only in TIME-WAIT after a clean stop is free.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, Self, TextIO

from heap_facts.entry import stop_on_signals
from http_layer.delays import ASYNC_CAPACITY, DelayRoom
from http_layer.rsgi import rsgi_app
from http_layer.site import Site
from http_layer.wsgi import wsgi_app

ServerName = Literal["granian", "waitress"]
SERVERS: tuple[ServerName, ...] = ("granian", "waitress")
DEFAULT_GRACE_S = 3.0
READY_TIMEOUT_S = 30.0

# granian logs its own start and stop at INFO and warns that its embedded mode is new; neither is
# for the person running a heap-sim command. Its errors still reach stderr.
logging.getLogger("granian").setLevel(logging.ERROR)
logging.getLogger("_granian").setLevel(logging.ERROR)


def family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def url_host(host: str) -> str:
    """A host as a URL writes it: IPv6 addresses in brackets."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS says is free now, for benchmarks and tests that start servers of their own."""
    with socket.socket(family(host)) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def reserve_port(host: str, port: int) -> socket.socket:
    """Claim `host:port` (0: any free port) for granian, which binds by number: OSError if it is in use.

    The probe binds with SO_REUSEADDR, which the kernel grants over connections in TIME-WAIT (a
    server stopped a moment ago) but never over a listening socket, so only a live server counts
    as "in use". The socket returned is bound with SO_REUSEPORT and never listens: it takes no
    connections, shares the port with granian, and makes every other plain bind fail until it is
    closed, which `SiteServer` does once granian is listening.
    """
    with socket.socket(family(host)) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        port = probe.getsockname()[1]
    reservation = socket.socket(family(host))
    # SO_REUSEPORT alone: granian's own bind (which sets it too) may share the port, while another
    # reservation's probe (SO_REUSEADDR, no SO_REUSEPORT) is refused.
    reservation.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        reservation.bind((host, port))
    except OSError:
        reservation.close()
        raise
    return reservation


def looks_like_tls(data: bytes) -> bool:
    """Whether a connection's first bytes are a TLS handshake record (a ClientHello), not HTTP."""
    return len(data) >= 3 and data[0] == 0x16 and data[1] == 0x03 and data[2] <= 0x04


class SiteServer:
    """A site on a real port in a daemon thread. `with SiteServer(site) as server: server.url`."""

    def __init__(
        self,
        site: Site,
        *,
        server: ServerName = "granian",
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = 4,
        ident: str = "heap-sim",
        grace_s: float = DEFAULT_GRACE_S,
    ) -> None:
        if server not in SERVERS:
            raise ValueError(f"server should be one of {', '.join(SERVERS)}, got {server!r}")
        self.site, self.server, self.host, self.threads, self.ident, self.grace_s = site, server, host, threads, ident, grace_s
        self.requested_port = port
        self.port = 0
        self._thread: threading.Thread | None = None
        self._runner: _Granian | _Waitress | None = None

    @property
    def url(self) -> str:
        if self._runner is None:
            raise RuntimeError(f"{type(self).__name__} is not running; call start() or use it in a with block")
        return f"http://{url_host(self.host)}:{self.port}"

    def start(self) -> Self:
        """Bind (OSError when the port is in use), then serve in a daemon thread; returns once it accepts connections."""
        runner: _Granian | _Waitress = _Granian(self) if self.server == "granian" else _Waitress(self)
        self.port = runner.bind(self.requested_port)
        self._runner = runner
        self._thread = threading.Thread(target=runner.run, name=f"{self.ident}-server", daemon=True)
        self._thread.start()
        runner.wait_ready()
        return self

    def stop(self) -> bool:
        """Stop taking requests and end those in progress within the grace period; False if it had to give up on them."""
        runner, self._runner = self._runner, None
        if runner is None:
            return True
        self.site.delays.wake_all()  # a request waiting out a delay fault must not hold the stop up
        runner.stop()
        stopped = True
        if self._thread is not None:
            self._thread.join(self.grace_s)
            stopped = not self._thread.is_alive()
        self.site.closed()
        return stopped

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Granian:
    """granian embedded: its RSGI worker on an event loop of our own, in the server's thread."""

    def __init__(self, owner: SiteServer) -> None:
        self.owner = owner
        self.pool = ThreadPoolExecutor(max_workers=max(owner.threads, 1), thread_name_prefix=f"{owner.ident}-view")
        self.loop: asyncio.AbstractEventLoop | None = None
        self.granian: Any = None
        self.reservation: socket.socket | None = None
        self.failed: BaseException | None = None
        self.started = threading.Event()

    def bind(self, port: int) -> int:
        self.reservation = reserve_port(self.owner.host, port)
        bound: int = self.reservation.getsockname()[1]
        self.owner.site.delays.capacity = ASYNC_CAPACITY
        return bound

    def run(self) -> None:
        from granian.constants import Interfaces
        from granian.log import LogLevels
        from granian.server.embed import Server

        self.loop = _new_loop()
        asyncio.set_event_loop(self.loop)
        try:
            self.granian = Server(
                rsgi_app(self.owner.site, self.pool), address=self.owner.host, port=self.owner.port,
                interface=Interfaces.RSGI, log_level=LogLevels.error,
                backlog=1024,  # not a heap_facts value: the kernel's queue of connections (granian's CLI default)
            )  # fmt: skip
            self.granian.workers_kill_timeout = self.owner.grace_s  # in-flight requests get the grace period, then are cut
            self.loop.call_soon(self.started.set)
            self.loop.run_until_complete(self.granian.serve())
        except BaseException as error:
            self.failed = error
            self.started.set()
        finally:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.loop.close()

    def wait_ready(self) -> None:
        """Return once granian accepts connections; the reservation is released only then."""
        self.started.wait(READY_TIMEOUT_S)
        try:
            _wait_for_listener(self.owner.host, self.owner.port, lambda: self.failed)
        finally:
            if self.reservation is not None:
                self.reservation.close()

    def stop(self) -> None:
        loop, granian = self.loop, self.granian
        if loop is not None and granian is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(granian.stop)
            except RuntimeError:
                pass  # the loop closed between the check and the call: it is stopped


class _Waitress:
    """waitress's own loop and request threads, its channels aware of TLS handshakes."""

    def __init__(self, owner: SiteServer) -> None:
        self.owner = owner
        self.server: Any = None

    def bind(self, port: int) -> int:
        from waitress import wasyncore  # type: ignore[import-untyped]
        from waitress.server import create_server  # type: ignore[import-untyped]

        self.owner.site.delays.capacity = DelayRoom.for_threads(self.owner.threads).capacity
        channels: dict[int, Any] = {}  # waitress's map of its sockets: a failed bind leaves its socket and trigger there
        try:
            self.server = create_server(
                wsgi_app(self.owner.site), map=channels, host=self.owner.host, port=port, threads=self.owner.threads,
                ident=self.owner.ident, clear_untrusted_proxy_headers=True,
            )  # fmt: skip
        except OSError:
            wasyncore.close_all(channels)
            raise
        self.server.channel_class = _tls_aware_channel(self.owner.site)
        bound: int = self.server.effective_port
        return bound

    def run(self) -> None:
        self.server.run()

    def wait_ready(self) -> None:
        pass  # waitress listens from create_server on

    def stop(self) -> None:
        server = self.server
        try:
            server.trigger.pull_trigger(lambda: _close_waitress(server, self.owner.grace_s))
        except OSError:
            pass  # the loop closed the trigger first; it is stopping either way


def _close_waitress(server: Any, grace_s: float) -> None:
    from waitress import wasyncore

    server.task_dispatcher.shutdown(cancel_pending=True, timeout=grace_s)
    wasyncore.close_all(server._map)


def _tls_aware_channel(site: Site) -> type:
    from waitress.channel import HTTPChannel  # type: ignore[import-untyped]

    class TlsAwareChannel(HTTPChannel):  # type: ignore[misc]
        """waitress's channel, closing at once a connection that opens with a TLS handshake."""

        first_bytes_seen = False

        def received(self, data: bytes) -> bool:
            if not self.first_bytes_seen:
                self.first_bytes_seen = True
                if looks_like_tls(data):
                    site.on_tls_handshake(f"{self.addr[0]}" if self.addr else "a client")
                    self.handle_close()
                    return False
            result: bool = super().received(data)
            return result

    return TlsAwareChannel


def _new_loop() -> asyncio.AbstractEventLoop:
    """uvloop's loop when installed (measured: about twice the rate of asyncio's for the simulator), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


def _wait_for_listener(host: str, port: int, failure: Any) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        error = failure()
        if error is not None:
            raise OSError(f"the server could not start on {host}:{port}: {error}") from error
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.005)
    raise OSError(f"the server on {host}:{port} did not accept connections within {READY_TIMEOUT_S:g} s")


def serve_in_foreground(
    server: SiteServer,
    *,
    prog: str,
    on_ready: Callable[[str], None],
    on_stop: Callable[[], None] | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Serve until SIGINT or SIGTERM, as the commands do: 0 when stopped cleanly, 2 when the port is taken.

    `on_ready` gets the URL once the server accepts connections (the commands print it as their first
    line); `on_stop` runs after the signal and before the socket closes (the front drains its queue
    there, answering 503 meanwhile). Requests still in progress after the grace period are cut off,
    and a line says so (exit status 1).
    """
    err = stderr or sys.stderr
    stop = stop_on_signals()
    try:
        server.start()
    except OSError as error:
        print(f"{prog}: cannot bind {server.host}:{server.port or server.requested_port}: {error.strerror or error}", file=err, flush=True)
        return 2
    on_ready(server.url)
    stop.wait()
    if on_stop is not None:
        on_stop()
    if server.stop():
        return 0
    print(f"{prog}: requests still in progress after {server.grace_s:g} s were cut off", file=err, flush=True)
    return 1
