"""Heavy and numerous requests: decoding and inference run off the event loop, a request's images
have a pixel budget, and a full worker answers 503 + Retry-After at once (the issue's rows on
huge image requests, image-heavy neighbours, 1,024 connections, and the request deadline)."""

from __future__ import annotations

import json
import re
import resource
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from benchmarks.payloads import images_body, large_jpeg, large_png
from tests.hostile import Prober, address, percentile, read_response, request_head
from tests.metrics_text import metric_sum, scrape_until
from tests.server_process import Server, running_server

PRODUCT = {"name": "Floral midi dress", "description": "Cotton;floral print;button back", "product_id": 1}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # One worker: every request below meets the same event loop.
    with running_server(tmp_path_factory.mktemp("server"), workers=1) as running:
        yield running


def test_a_request_over_the_pixel_budget_is_refused_before_decoding(server: Server) -> None:
    body = images_body(large_png(), 256)  # 256 × 25 Mpx, 14 MB: ~41 s of decoding on the old loop
    assert len(body) < 16 << 20
    started = time.perf_counter()
    response = httpx.post(server.url + "/predict/category", content=body, headers=_json(), timeout=30)
    elapsed = time.perf_counter() - started
    assert response.status_code == 413, response.text
    assert "6398720000 pixels to decode, limit max_request_pixels=100000000" in response.json()["detail"]
    assert elapsed < 3, elapsed
    assert server.worker_pids() == server.initial_workers


@pytest.mark.slow
def test_heavy_image_requests_leave_probes_and_small_requests_answering(server: Server) -> None:
    at_budget = images_body(large_png(), 4)  # 100 Mpx: the largest legal decode, ~0.7 s here
    many_jpegs = images_body(large_jpeg(), 256)
    stop = threading.Event()
    heavy_statuses: list[int] = []

    def heavy(body: bytes) -> None:
        with httpx.Client(timeout=30) as client:  # keep-alive, like a catalogue job
            while not stop.is_set():
                heavy_statuses.append(
                    client.post(server.url + "/predict/category", content=body, headers=_json()).status_code
                )

    clients = [threading.Thread(target=heavy, args=(body,)) for body in (at_budget, many_jpegs)]
    for thread in clients:
        thread.start()
    time.sleep(0.5)
    small: list[float] = []
    with Prober(server.url + "/health/live", interval=0.02) as live, httpx.Client(timeout=10) as neighbour:
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            started = time.perf_counter()
            assert neighbour.post(server.url + "/predict", json=[PRODUCT]).status_code == 200
            small.append(time.perf_counter() - started)
            time.sleep(0.01)
    stop.set()
    for thread in clients:
        thread.join()
    assert heavy_statuses and set(heavy_statuses) == {200}, heavy_statuses
    # Before: /health/live stopped answering and /predict p99 was 0.5-1.3 s next to these clients.
    assert not live.failures and live.worst < 0.5, (live.failures, live.worst)
    assert percentile(small, 0.99) < 0.25, sorted(small)[-5:]
    assert server.worker_pids() == server.initial_workers


def _v2_bodies() -> list[tuple[bytes, dict[str, str], str]]:
    """16 MiB V2 requests for millions of empty texts (legal framing, each under max_infer_body_bytes),
    with the part of the 400 each must get."""
    n = ((16 << 20) - 1000) // 8  # binary: 4 bytes per empty element, two inputs
    declared_all = {"inputs": [_binary_input(field, n, n * 4) for field in ("name", "description")]}
    declared_one = {"inputs": [_binary_input(field, 1, n * 4) for field in ("name", "description")]}
    strings = ((16 << 20) - 1000) // 6  # JSON: `"",` per element, two inputs
    json_one = {
        "inputs": [
            {"name": f, "datatype": "BYTES", "shape": [1], "data": [""] * strings} for f in ("name", "description")
        ]
    }
    binary = {"Content-Type": "application/octet-stream"}
    bodies = []
    for request, detail in (
        (declared_all, "max_products_per_request=1000"),
        (declared_one, "more than the 1 elements"),
    ):
        header = json.dumps(request).encode()
        headers = {**binary, "Inference-Header-Content-Length": str(len(header))}
        bodies.append((header + b"\0" * (n * 8), headers, detail))
    bodies.append((json.dumps(json_one, separators=(",", ":")).encode(), _json(), f"shape [1] but {strings} elements"))
    return bodies


def _binary_input(name: str, shape: int, size: int) -> dict[str, object]:
    return {"name": name, "datatype": "BYTES", "shape": [shape], "parameters": {"binary_data_size": size}}


@pytest.mark.slow
def test_v2_requests_of_millions_of_elements_are_refused_without_holding_the_loop(server: Server) -> None:
    stop = threading.Event()
    answers: list[tuple[int, bool]] = []

    def hostile(body: bytes, headers: dict[str, str], detail: str) -> None:
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                response = client.post(server.url + "/v2/models/pattern/infer", content=body, headers=headers)
                answers.append((response.status_code, detail in response.json()["error"]))

    clients = [threading.Thread(target=hostile, args=body) for body in _v2_bodies()]
    for thread in clients:
        thread.start()
    with Prober(server.url + "/health/live", interval=0.02) as live:
        time.sleep(5)
    stop.set()
    for thread in clients:
        thread.join()
    # Before: each of these held the event loop for 0.7-2.8 s while it parsed every element (worst
    # probe 2.6 s). Decoding a 16 MiB header still holds the interpreter lock ~0.1 s: a kubelet
    # probe's 1 s timeout is the bound.
    assert not live.failures and live.worst < 1.0, (live.failures, live.worst)
    assert answers and set(answers) == {(400, True)}, set(answers)
    assert server.worker_pids() == server.initial_workers


def _in_background(server: Server, body: bytes, results: list[httpx.Response]) -> threading.Thread:
    def post() -> None:
        results.append(httpx.post(server.url + "/predict/category", content=body, headers=_json(), timeout=30))

    thread = threading.Thread(target=post)
    thread.start()
    return thread


def test_a_full_worker_answers_503_with_retry_after(tmp_path: Path) -> None:
    heavy = images_body(large_png(), 4)  # ~0.7 s each on the one decode thread
    with running_server(tmp_path, workers=1, SERVE_MAX_INFLIGHT_REQUESTS="2") as server:
        # Clients still uploading take no slot: five stalled uploads, and the worker still serves.
        stalled = [socket.create_connection(address(server), timeout=10) for _ in range(5)]
        for sock in stalled:
            sock.sendall(request_head("/predict", 100) + b"[")
        time.sleep(0.3)
        served = httpx.post(server.url + "/predict", json=[PRODUCT])
        # Two requests being processed fill it.
        results: list[httpx.Response] = []
        threads = [_in_background(server, heavy, results) for _ in range(2)]
        time.sleep(0.3)
        refused = httpx.post(server.url + "/predict", json=[PRODUCT])
        v2 = {
            "inputs": [{"name": f, "shape": [1], "datatype": "BYTES", "data": ["a"]} for f in ("name", "description")]
        }
        refused_v2 = httpx.post(server.url + "/v2/models/pattern/infer", json=v2)
        assert httpx.get(server.url + "/health/ready").status_code == 200  # health is never refused
        for thread in threads:
            thread.join()
        metrics = httpx.get(server.url + "/metrics").text
        for sock in stalled:
            sock.close()
    assert served.status_code == 200, served.text
    assert [r.status_code for r in results] == [200, 200]
    assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
    assert "limit max_inflight_requests=2" in refused.json()["detail"]
    assert refused_v2.status_code == 503 and "limit max_inflight_requests=2" in refused_v2.json()["error"]
    assert 'catalogue_requests_shed_total{reason="in_flight"} 2.0' in metrics
    # Refused before routing, each is still counted under its route (a path format for V2), not "unmatched".
    requests = "catalogue_http_request_duration_seconds_count"
    assert metric_sum(metrics, requests, route="/predict", status="503") == 1
    assert metric_sum(metrics, requests, route="/v2/models/{name}/infer", status="503") == 1
    assert metric_sum(metrics, requests, route="unmatched") == 0


def test_a_full_model_queue_answers_503_and_a_late_answer_504(tmp_path: Path) -> None:
    heavy = images_body(large_png(), 4)  # ~0.7 s of decoding
    with running_server(tmp_path, workers=1, SERVE_MAX_QUEUED_IMAGES="4", SERVE_REQUEST_TIMEOUT="0.3") as server:
        with httpx.Client(timeout=30) as first, httpx.Client(timeout=30) as second:
            result: dict[str, httpx.Response] = {}
            thread = threading.Thread(
                target=lambda: result.setdefault(
                    "heavy", first.post(server.url + "/predict/category", content=heavy, headers=_json())
                )
            )
            thread.start()
            time.sleep(0.15)  # the heavy request is decoding: the model's queue holds its 4 images
            one = images_body(large_jpeg(), 1)
            queued = second.post(server.url + "/predict/category", content=one, headers=_json())
            thread.join()
        # The heavy request was answered 504 at its deadline, but the decoding it started cannot be
        # interrupted (a thread): it finishes on the decode pool, up to ~0.4 s later. Recovery is
        # the next request once that work is done, not one racing it against the same 0.3 s deadline.
        time.sleep(1.0)
        after = httpx.post(server.url + "/predict/category", content=images_body(large_jpeg(), 1), headers=_json())
        metrics = httpx.get(server.url + "/metrics").text
        assert server.worker_pids() == server.initial_workers
        log = server.log()
    assert queued.status_code == 503 and queued.headers["retry-after"] == "1", queued.text
    assert "limit max_queued_images=4" in queued.json()["detail"]
    assert result["heavy"].status_code == 504, result["heavy"].text
    assert "request_timeout=0.3" in result["heavy"].json()["detail"]
    assert after.status_code == 200  # the model and its queue recovered
    assert 'catalogue_requests_timed_out_total{phase="deadline"} 1.0' in metrics
    assert '"level":"ERROR"' not in log


@pytest.mark.slow
def test_1024_connections_are_shed_not_queued(tmp_path: Path, data_dir: Path) -> None:
    wrk = shutil.which("wrk")
    if wrk is None:
        pytest.fail("wrk not found: apt-get install wrk (Debian's package; .ci/run installs it)")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    script = tmp_path / "predict.lua"
    body = json.dumps([PRODUCT]).replace("\\", "\\\\").replace('"', '\\"')
    script.write_text(f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = "{body}"\n')
    with running_server(tmp_path, workers=2) as server:
        with Prober(server.url + "/health/ready", interval=0.05, timeout=5) as ready:
            flood = subprocess.run(
                [wrk, "-t2", "-c1024", "-d6s", "--timeout", "5s", "-s", str(script), server.url + "/predict"],
                capture_output=True,
                text=True,
                timeout=60,
            )
        # Sheds are counted at once, the 503s they answered in each worker's next write.
        metrics = scrape_until(
            server.url,
            lambda text: (
                metric_sum(text, "catalogue_http_request_duration_seconds_count", status="503")
                >= metric_sum(text, "catalogue_requests_shed_total", reason="in_flight")
            ),
        )
        assert server.worker_pids() == server.initial_workers
        log = server.log()
    assert flood.returncode == 0, flood.stderr
    assert re.search(r"Non-2xx or 3xx responses: [1-9]", flood.stdout), flood.stdout
    shed = re.search(r'catalogue_requests_shed_total\{reason="in_flight"\} ([\d.e+]+)', metrics)
    statuses = dict(
        re.findall(
            r'http_request_duration_seconds_count\{method="POST",route="/predict",status="(\d+)"\} ([\d.e+]+)', metrics
        )
    )
    # Every answer was a prediction or a shed: no 5xx of another kind, no timeout.
    assert set(statuses) == {"200", "503"} and shed and float(statuses["503"]) == float(shed.group(1)), statuses
    # The readiness probe (kubelet's default timeout: 1 s) keeps answering through the flood.
    assert not ready.failures and percentile(ready.latencies, 0.99) < 1.0, (
        ready.failures,
        sorted(ready.latencies)[-5:],
    )
    assert '"level":"ERROR"' not in log


def test_a_503_is_json_with_retry_after_on_the_wire(tmp_path: Path) -> None:
    payload = json.dumps([PRODUCT]).encode()
    with running_server(tmp_path, workers=1, SERVE_MAX_INFLIGHT_REQUESTS="1") as server:
        results: list[httpx.Response] = []
        busy = _in_background(server, images_body(large_png(), 4), results)  # the one request admitted
        time.sleep(0.3)
        with socket.create_connection(address(server), timeout=10) as sock:
            sock.sendall(request_head("/predict", len(payload)) + payload)
            answer = read_response(sock)
        busy.join()
    assert answer.status == 503 and answer.headers["content-type"] == "application/json"
    assert answer.headers["retry-after"] == "1" and answer.json()["status_code"] == 503


def _json() -> dict[str, str]:
    return {"Content-Type": "application/json"}
