"""A loopback HTTP server holding product photos, as a catalogue's image host would, with the ways
such a host fails: 404s, slow answers, corrupt and oversized files, transient 503s and 500s."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.images import decompression_bomb


@dataclass
class PhotoSite:
    photos: dict[str, bytes] = field(default_factory=dict)  # path → bytes answered with 200
    slow_seconds: float = 3.0
    flaky_failures: int = 1  # 503s before a /flaky/ path answers
    requests: Counter[str] = field(default_factory=Counter)
    url: str = ""

    def answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
        self.requests[path] += 1
        if path.startswith("/slow/"):
            time.sleep(self.slow_seconds)
            return 200, {}, self.photos.get(path.replace("/slow/", "/p/"), b"")
        if path.startswith("/flaky/"):
            if self.requests[path] <= self.flaky_failures:
                return 503, {"Retry-After": "0"}, b"busy"
            return 200, {}, self.photos[path.replace("/flaky/", "/p/")]
        if path.startswith("/error/"):
            return 500, {}, b"broken"
        if path.startswith("/corrupt/"):
            return 200, {}, self.photos[path.replace("/corrupt/", "/p/")][:300]
        if path.startswith("/bomb/"):
            return 200, {}, BOMB
        if path in self.photos:
            return 200, {}, self.photos[path]
        return 404, {}, b"no such photo"


BOMB = decompression_bomb()


@contextmanager
def photo_site(photos: dict[str, bytes]) -> Iterator[PhotoSite]:
    site = PhotoSite(dict(photos))  # a test may change what the host holds

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real image hosts
        disable_nagle_algorithm = True  # headers and body are two writes: no delayed-ACK stall

        def do_GET(self) -> None:  # noqa: N802 - the standard library's name
            status, headers, body = site.answer(self.path)
            self.send_response(status)
            for name, value in {"Content-Type": "image/png", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with suppress(BrokenPipeError, ConnectionResetError):  # a client that gave up (timeouts, size limit)
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
