"""Graceful shutdown: on SIGTERM (what Kubernetes sends before removing a pod) the server stops
accepting connections, lets every request already in flight finish with its answer, then
exits cleanly.

"In flight" is made exact with raw sockets: each client sends its headers and half its body,
SIGTERM arrives, and only then does the client send the rest. A server that dropped started
requests would reset these connections."""

from __future__ import annotations

import json
import signal
import socket
import time
from pathlib import Path

import httpx
import pytest

from tests.server_process import running_server

PRODUCT = {"name": "Floral midi dress", "description": "Cotton;floral print;button back", "product_id": 0}
CLIENTS = 6


def _read_response(sock: socket.socket) -> tuple[int, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed before a response: {data[:200]!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(
        next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
    )
    while len(body) < length:
        body += sock.recv(65536)
    return int(head.split()[1]), body


def test_sigterm_lets_in_flight_requests_finish(tmp_path: Path) -> None:
    body = json.dumps([{**PRODUCT, "product_id": i} for i in range(500)]).encode()
    with running_server(tmp_path, workers=1, SERVE_GRACEFUL_TIMEOUT="20") as server:
        host, port = server.url.removeprefix("http://").split(":")
        head = (
            f"POST /predict HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        clients = [socket.create_connection((host, int(port)), timeout=30) for _ in range(CLIENTS)]
        for sock in clients:
            sock.sendall(head + body[: len(body) // 2])
        time.sleep(0.5)  # the worker has parsed every request's headers: they are in flight
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        with pytest.raises(httpx.ConnectError):  # no new connections once shutting down
            httpx.get(server.url + "/health/live", timeout=2)
        for sock in clients:
            sock.sendall(body[len(body) // 2 :])
        answers = [_read_response(sock) for sock in clients]
        for sock in clients:
            sock.close()
        assert server.process.wait(timeout=30) == 0, server.log()[-2000:]
        log = server.log()
    assert [status for status, _ in answers] == [200] * CLIENTS
    assert all(len(json.loads(payload)) == 500 for _, payload in answers)
    assert "Handling signal: term" in log and "Shutting down" in log
