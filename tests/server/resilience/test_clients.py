"""Slow and stalled clients cannot hold a worker: header and body timeouts, header limits, and a
per-worker budget of request-body bytes (the issue's slowloris and stalled-upload rows)."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from benchmarks.payloads import images_body, large_jpeg
from tests.hostile import (
    Prober,
    RawResponse,
    address,
    closed_by_server,
    read_response,
    request_head,
    responses_until_closed,
    workers_rss_mib,
)
from tests.metrics_text import metric_sum, scrape_until
from tests.server_process import Server, running_server

HEADER_TIMEOUT = 2.0
BODY_TIMEOUT = 3.0
PRODUCT = {"name": "Floral midi dress", "description": "Cotton;floral print", "product_id": 1}
KEEPALIVE = 1
BUDGET_MIB = 64  # the default SERVE_MAX_BUFFERED_BODY_BYTES


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(
        tmp_path_factory.mktemp("server"),
        SERVE_HEADER_TIMEOUT=str(HEADER_TIMEOUT),
        SERVE_BODY_TIMEOUT=str(BODY_TIMEOUT),
        SERVE_KEEPALIVE_SECONDS=str(KEEPALIVE),
    ) as running:
        yield running


def test_slowloris_and_idle_connections_are_timed_out_while_probes_answer(server: Server) -> None:
    partial = [socket.create_connection(address(server)) for _ in range(200)]
    idle = [socket.create_connection(address(server)) for _ in range(50)]
    with Prober(server.url + "/health/live") as prober:
        for sock in partial:  # a request begun, headers never finished
            sock.sendall(b"POST /predict HTTP/1.1\r\nHost: test\r\nX-Slow: ")
        started = time.monotonic()
        answers = [read_response(_with_timeout(sock, HEADER_TIMEOUT + 5)) for sock in partial]
        waited = time.monotonic() - started
        assert all(closed_by_server(sock, 5) for sock in partial + idle)
    assert {a.status for a in answers} == {408}
    assert all(f"header_timeout={HEADER_TIMEOUT}" in a.json()["detail"] for a in answers)
    assert all(a.headers["connection"] == "close" for a in answers)
    assert HEADER_TIMEOUT - 0.5 < waited < HEADER_TIMEOUT + 3
    assert not prober.failures and prober.worst < 1.0, (prober.failures, prober.worst)
    assert server.worker_pids() == server.initial_workers


@pytest.mark.parametrize(
    ("extra", "detail"),
    [
        ("X-Big: " + "a" * (17 << 10) + "\r\n", "over 16384 bytes, limit max_header_bytes"),
        ("".join(f"X-H{i}: v\r\n" for i in range(101)), "more than 100 header fields, limit max_headers"),
    ],
    ids=["header bytes", "header count"],
)
def test_oversized_headers_are_refused_with_431(server: Server, extra: str, detail: str) -> None:
    with socket.create_connection(address(server), timeout=10) as sock:
        sock.sendall(request_head("/predict", 2, extra) + b"[]")
        answer = read_response(sock)
    assert answer.status == 431 and detail in answer.json()["detail"], answer
    assert httpx.post(server.url + "/predict", json=[]).status_code == 200


def test_stalled_uploads_cannot_grow_a_worker_beyond_the_body_budget(server: Server) -> None:
    size = 16 << 20  # announced: the category route's limit, so the server must take it
    payload = b"[" + b" " * (size - 2)  # all but the last byte ("]") is sent
    before = workers_rss_mib(server)

    def stalled_upload(_: int) -> RawResponse:
        sock = socket.create_connection(address(server), timeout=BODY_TIMEOUT + 10)
        try:
            sock.sendall(request_head("/predict/category", size))
            with contextlib.suppress(ConnectionError):  # refused at the headers: closed without reading the body
                sock.sendall(payload)
            return read_response(sock)
        finally:
            sock.close()

    with ThreadPoolExecutor(40) as pool:
        futures = [pool.submit(stalled_upload, i) for i in range(40)]
        time.sleep(BODY_TIMEOUT / 2)  # the admitted uploads are held, the rest refused
        during = workers_rss_mib(server)
        answers = [future.result() for future in futures]
    statuses = sorted(a.status for a in answers)
    refused = [a for a in answers if a.status == 503]
    # Each worker holds at most BUDGET_MIB of bodies: 4 uploads of 16 MiB; the rest are told to retry.
    assert set(statuses) == {408, 503} and statuses.count(408) <= 2 * BUDGET_MIB // 16, statuses
    assert all("max_buffered_body_bytes" in a.json()["detail"] and a.headers["retry-after"] for a in refused)
    growth = {pid: during[pid] - before[pid] for pid in before}
    assert max(growth.values()) < BUDGET_MIB + 48, growth  # was +642 MiB with no budget
    # The budget is free again: an upload of the same size is taken and answered.
    image_request = httpx.post(server.url + "/predict/category", json=[], timeout=10)
    assert image_request.status_code == 200
    assert server.worker_pids() == server.initial_workers


def test_announcing_large_bodies_without_sending_them_holds_no_budget(server: Server) -> None:
    # Before: each announced 16 MiB was reserved at the headers, so such connections (~100 bytes
    # each, renewed every body timeout) filled both workers' budgets (4 each) and uploads got 503.
    body = images_body(large_jpeg(), 4)  # over 64 KiB: counted in the budget
    assert len(body) > 64 << 10
    announcers = [socket.create_connection(address(server), timeout=10) for _ in range(40)]  # both workers
    try:
        for sock in announcers:
            sock.sendall(request_head("/predict/category", 16 << 20))
        time.sleep(0.3)
        statuses = [  # a connection each: the uploads meet both workers
            httpx.post(
                server.url + "/predict/category", content=body, headers={"Content-Type": "application/json"}, timeout=30
            ).status_code
            for _ in range(10)
        ]
    finally:
        for sock in announcers:
            sock.close()
    assert statuses == [200] * 10, statuses


def test_a_slow_body_gets_408_and_the_worker_goes_on(server: Server) -> None:
    metrics = httpx.get(server.url + "/metrics").text
    before = {status: _predict_count(metrics, status) for status in ("408", "499")}
    with socket.create_connection(address(server), timeout=BODY_TIMEOUT + 10) as sock:
        sock.sendall(request_head("/predict", 100) + b"[")
        answer = read_response(sock)
    assert answer.status == 408 and f"body_timeout={BODY_TIMEOUT}" in answer.json()["detail"]
    assert httpx.post(server.url + "/predict", json=[]).status_code == 200
    # Counted as the 408 the client got (before: as 499, a client gone), once the worker writes it.
    scrape_until(server.url, lambda text: _predict_count(text, "408") > before["408"])
    text = httpx.get(server.url + "/metrics").text
    assert _predict_count(text, "408") == before["408"] + 1
    assert _predict_count(text, "499") == before["499"]


def _predict_count(metrics: str, status: str) -> float:
    return metric_sum(metrics, "catalogue_http_request_duration_seconds_count", route="/predict", status=status)


def test_a_connection_idle_after_its_answer_is_closed_whatever_it_sends(server: Server) -> None:
    payload = b"[]"
    with socket.create_connection(address(server), timeout=10) as sock:
        sock.sendall(request_head("/predict", len(payload)) + payload)
        assert read_response(sock).status == 200
        sock.sendall(b"\r\n")  # not a request: stops uvicorn's keep-alive timer, not ours
        started = time.monotonic()
        assert closed_by_server(sock, KEEPALIVE + 3)
    assert time.monotonic() - started < KEEPALIVE + 1.5


def test_pipelined_requests_in_one_read_are_answered_in_order(server: Server) -> None:
    first, second = (
        json.dumps([{**PRODUCT, "product_id": 1}]).encode(),
        json.dumps([{**PRODUCT, "product_id": 2}]).encode(),
    )
    with socket.create_connection(address(server), timeout=10) as sock:
        # The second closes the connection, so that both answers are read even if they share a read.
        last = request_head("/predict", len(second), "Connection: close\r\n") + second
        sock.sendall(request_head("/predict", len(first)) + first + last)
        answers = responses_until_closed(sock, 10)
    assert [a.status for a in answers] == [200, 200]
    assert [json.loads(a.body)[0]["product_id"] for a in answers] == [1, 2]


@pytest.mark.parametrize(
    ("extra", "detail"),
    [
        ("X-Big: " + "a" * (17 << 10) + "\r\n", "limit max_header_bytes"),
        ("".join(f"X-H{i}: v\r\n" for i in range(101)), "limit max_headers"),
    ],
    ids=["header bytes", "header count"],
)
def test_a_request_refused_behind_pipelined_ones_is_answered_after_them(
    server: Server, extra: str, detail: str
) -> None:
    # Before: the refusal closed the connection at once, and the two requests before it, complete
    # and in good faith, got no answer at all.
    good = [json.dumps([{**PRODUCT, "product_id": i}]).encode() for i in (1, 2)]
    with socket.create_connection(address(server), timeout=10) as sock:
        sock.sendall(
            b"".join(request_head("/predict", len(body)) + body for body in good)
            + request_head("/predict", 2, extra)
            + b"[]"
        )
        answers = responses_until_closed(sock, 5)
    assert [a.status for a in answers] == [200, 200, 431], answers
    assert [json.loads(a.body)[0]["product_id"] for a in answers[:2]] == [1, 2]
    assert detail in answers[2].json()["detail"] and answers[2].headers["connection"] == "close"


def test_no_server_errors_were_logged(server: Server) -> None:
    log = server.log()
    assert '"level":"ERROR"' not in log
    assert "Invalid HTTP request received" not in log  # refusals on purpose are not malformed requests


def _with_timeout(sock: socket.socket, seconds: float) -> socket.socket:
    sock.settimeout(seconds)
    return sock
