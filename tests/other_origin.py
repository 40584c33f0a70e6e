"""A web site on another origin for browser tests: a real HTTP server on localhost, another port.

Pages reached as `http://localhost:PORT` sit on another origin than a simulator or front addressed
as 127.0.0.1, which is what the cross-site and web SDK tests need. `pages` maps a path (without
its query string) to the body and content type served there; any other path is a 404.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Page = tuple[bytes, str]  # body, content type


@contextmanager
def other_origin(pages: Callable[[str], Page | None]) -> Iterator[str]:
    """Serve `pages(path)` until the block ends; yields the site's origin (`http://localhost:PORT`)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = pages(self.path.split("?")[0])
            if page is None:
                self.send_error(404)
                return
            body, content_type = page
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
