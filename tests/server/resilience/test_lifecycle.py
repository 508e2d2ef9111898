"""Workers that start ready and stop without losing a request: a restarted worker takes no
request before its models load; on SIGTERM a worker drains (readiness 503, still serving,
`Connection: close`), then refuses new handshakes, serves what the kernel queued and what is in
flight, and exits. "Lost" is any request whose connection was established and got no answer;
a refused connection (its bytes never reached the server) is the clean signal to go elsewhere."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.hostile import address, read_response, request_head
from tests.server_process import Server, running_server

PRODUCT = {"name": "Floral midi dress", "description": "Cotton;floral print;button back", "product_id": 0}
BATCH = json.dumps([{**PRODUCT, "product_id": i} for i in range(20)]).encode()
DRAIN = 2.0
CLIENTS = 16


# Each scenario starts its own server and lets it drain or restart: several seconds apiece.
pytestmark = pytest.mark.slow


def test_in_flight_requests_finish_and_the_worker_keeps_serving_while_draining(tmp_path: Path) -> None:
    body = json.dumps([{**PRODUCT, "product_id": i} for i in range(500)]).encode()
    with running_server(tmp_path, workers=1, SERVE_DRAIN_SECONDS=str(DRAIN), SERVE_KEEPALIVE_SECONDS="2") as server:
        clients = [socket.create_connection(address(server), timeout=30) for _ in range(6)]
        for sock in clients:  # headers and half the body: in flight when SIGTERM arrives
            sock.sendall(request_head("/predict", len(body)) + body[: len(body) // 2])
        time.sleep(0.5)
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        # Lame duck: still accepting and answering, not ready, every answer closes its connection.
        live = httpx.get(server.url + "/health/live", timeout=2)
        ready = httpx.get(server.url + "/health/ready", timeout=2)
        for sock in clients:
            sock.sendall(body[len(body) // 2 :])
        answers = [read_response(sock) for sock in clients]
        for sock in clients:
            sock.close()
        assert server.process.wait(timeout=30) == 0, server.log()[-2000:]
        log = server.log()
    assert live.status_code == 200 and live.headers["connection"] == "close"
    assert ready.status_code == 503 and ready.json()["status"] == "draining"
    assert [a.status for a in answers] == [200] * 6
    assert all(len(json.loads(a.body)) == 500 for a in answers)
    assert "draining" in log and "drained" in log


def test_a_worker_stopping_answers_a_half_sent_request_and_exits_on_time(tmp_path: Path) -> None:
    # No drain: the worker stops accepting at once, yet a connection mid-headers and an idle one
    # still get their header timeout (uvicorn would wait for them until gunicorn's SIGKILL).
    with running_server(tmp_path, workers=1, SERVE_HEADER_TIMEOUT="2") as server:
        half = socket.create_connection(address(server), timeout=10)
        half.sendall(b"POST /predict HTTP/1.1\r\nHost: test\r\n")
        idle = socket.create_connection(address(server), timeout=10)
        time.sleep(0.3)
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        answer = read_response(half)
        assert server.process.wait(timeout=15) == 0, server.log()[-2000:]
        stopped = time.monotonic() - started
        half.close()
        idle.close()
    assert answer.status == 408
    assert stopped < 6, stopped  # header timeout (2 s) + sweep, far from the graceful timeout


class Clients:
    """CLIENTS threads posting batches until the server refuses their connection."""

    def __init__(self, server: Server, keep_alive: bool) -> None:
        self.server = server
        self.keep_alive = keep_alive
        self.outcomes: Counter[str] = Counter()
        self.lost: list[str] = []
        self.sigterm_at = float("inf")
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run) for _ in range(CLIENTS)]

    def __enter__(self) -> Clients:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for thread in self._threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in self._threads), "a client never finished"

    def _record(self, outcome: str, started: float, detail: str = "") -> None:
        with self._lock:
            phase = "after" if started >= self.sigterm_at else "before"
            self.outcomes[f"{outcome} {phase}"] += 1
            if outcome == "lost":
                self.lost.append(detail)

    def _run(self) -> None:
        if self.keep_alive:
            self._run_keep_alive()
        else:
            self._run_new_connections()

    def _run_new_connections(self) -> None:
        while True:
            started = time.monotonic()
            try:
                sock = socket.create_connection(address(self.server), timeout=15)
            except OSError:  # refused (or never accepted): the request never reached the server
                self._record("refused", started)
                return
            try:
                sock.sendall(request_head("/predict", len(BATCH)) + BATCH)
                answer = read_response(sock)
                self._record("ok" if answer.status == 200 else "lost", started, f"status {answer.status}")
            except OSError as exc:
                self._record("lost", started, repr(exc))
            finally:
                sock.close()

    def _run_keep_alive(self) -> None:
        headers = {"Content-Type": "application/json"}
        with httpx.Client(timeout=httpx.Timeout(15)) as client:
            while True:
                started = time.monotonic()
                try:
                    response = client.post(self.server.url + "/predict", content=BATCH, headers=headers)
                except httpx.ConnectError:
                    self._record("refused", started)
                    return
                except httpx.TransportError as exc:
                    self._record("lost", started, repr(exc))
                    continue
                closing = response.headers.get("connection") == "close"
                self._record("ok-close" if closing else "ok", started) if response.status_code == 200 else (
                    self._record("lost", started, f"status {response.status_code}")
                )


@pytest.mark.parametrize("round_", [1, 2, 3])
@pytest.mark.parametrize("keep_alive", [False, True], ids=["new-connection clients", "keep-alive clients"])
def test_sigterm_loses_no_request(tmp_path: Path, keep_alive: bool, round_: int) -> None:
    with running_server(tmp_path, workers=2, SERVE_DRAIN_SECONDS=str(DRAIN), SERVE_KEEPALIVE_SECONDS="2") as server:
        with Clients(server, keep_alive) as clients:
            time.sleep(1.0)
            clients.sigterm_at = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=30) == 0, server.log()[-2000:]
    outcomes = clients.outcomes
    assert not clients.lost, (clients.lost[:5], outcomes)
    assert sum(n for k, n in outcomes.items() if k.startswith("ok") and k.endswith("after")) > 0, outcomes
    assert outcomes["refused after"] == CLIENTS and outcomes["refused before"] == 0, outcomes
    if keep_alive:  # draining answers told keep-alive clients to reconnect
        assert outcomes["ok-close after"] > 0, outcomes


def test_a_restarted_worker_takes_no_request_before_its_models_load(tmp_path: Path) -> None:
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    stop = threading.Event()

    def client() -> None:
        with httpx.Client(timeout=10) as http:
            while not stop.is_set():
                try:
                    statuses[http.post(server.url + "/predict", json=[PRODUCT]).status_code] += 1
                except httpx.TransportError as exc:  # in flight on the killed worker
                    errors.append(repr(exc))

    with running_server(tmp_path, workers=2) as server:
        threads = [threading.Thread(target=client) for _ in range(8)]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        killed = sorted(server.initial_workers)[0]
        os.kill(killed, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while (len(server.worker_pids()) < 2 or killed in server.worker_pids()) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(2.0)  # the replacement serves alongside
        stop.set()
        for thread in threads:
            thread.join()
        replacement = (server.worker_pids() - server.initial_workers).pop()
        log = server.log()
    assert set(statuses) == {200}, statuses  # before: 503 "model not loaded" from the new worker
    assert len(errors) <= 8, errors  # at most the requests in flight on the killed worker
    lines = [json.loads(line) for line in log.splitlines() if f'"pid":{replacement}' in line]
    messages = [line["message"] for line in lines]
    assert messages.index("models ready") < messages.index("Application startup complete.")
