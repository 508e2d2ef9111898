"""Metrics across workers, readiness, settings validation, schema fuzzing."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.metrics_text import metric_sum, scrape_until
from tests.server_process import GUNICORN, running_server

PRODUCT = {"name": "Striped dress", "description": "Stripe;cotton", "product_id": 7}


def test_metrics_count_every_request_across_workers(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:

        def send(i: int) -> int:
            with httpx.Client() as client:  # a new connection each time spreads load over workers
                body = [PRODUCT] * (1 + i % 3)
                return client.post(server.url + "/predict", json=body).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(send, range(120)))
        bad = httpx.post(server.url + "/predict", content=b"[", headers={"Content-Type": "application/json"})
        assert statuses == [200] * 120 and bad.status_code == 400
        assert httpx.get(server.url + "/no/such/route").status_code == 404

        writers = {m.group(1) for p in server.metrics_dir.iterdir() if (m := re.search(r"_(\d+)\.db$", p.name))}
        assert len(writers) == 2, "both workers should have served requests"
        requests = "catalogue_http_request_duration_seconds_count"
        # Seeing the 404 is not enough: the worker that served it may write its observations before
        # the other writes its last /predict. So wait until a scrape shows every request.
        scrape_until(
            server.url,
            lambda text: (
                metric_sum(text, requests, method="POST") + metric_sum(text, requests, route="unmatched") >= 122
            ),
        )
        for _ in range(6):  # whichever worker answers the scrape reports the same totals
            text = httpx.get(server.url + "/metrics", headers={"Connection": "close"}).text
            assert metric_sum(text, requests, route="/predict", method="POST", status="200") == 120
            assert metric_sum(text, requests, route="/predict", method="POST", status="400") == 1
            assert metric_sum(text, requests, route="unmatched", method="GET", status="404") == 1
            assert metric_sum(text, "catalogue_products_per_request_sum", model="pattern") == 240
            calls = metric_sum(text, "catalogue_inference_seconds_count", model="pattern")
            assert 0 < calls <= 120  # micro-batching may serve several requests in one call
            assert metric_sum(text, "catalogue_inference_batch_products_count", model="pattern") == calls
            assert metric_sum(text, "catalogue_inference_batch_products_sum", model="pattern") == 240
            assert metric_sum(text, "catalogue_predictions_total", model="pattern") == 240


def test_not_ready_until_models_load_and_says_why(tmp_path: Path) -> None:
    broken = tmp_path / "artifacts"
    shutil.copytree(ROOT / "artifacts", broken)
    onnx_file = broken / "pattern" / "model.onnx"
    onnx_file.write_bytes(onnx_file.read_bytes()[:-10] + b"corrupted!")
    with running_server(tmp_path, wait_ready=False, SERVE_ARTIFACT_DIR=str(broken)) as server:
        assert httpx.get(server.url + "/health/live").status_code == 200
        ready = httpx.get(server.url + "/health/ready")
        assert ready.status_code == 503
        assert "sha256" in ready.json()["detail"]
        predict = httpx.post(server.url + "/predict", json=[PRODUCT])
        assert predict.status_code == 503 and "not loaded" in predict.json()["detail"]
        # The broken directory is reported without hiding the others, which serve; the pod stays unready.
        listed = {m["name"]: m for m in httpx.get(server.url + "/models").json()}
        assert listed["pattern"]["state"] == "failed" and "sha256" in listed["pattern"]["error"]
        assert listed["category"]["state"] == "ready"


def test_ready_once_models_are_loaded_and_warmed_up(tmp_path: Path) -> None:
    with running_server(tmp_path, wait_ready=False) as server:
        statuses = []
        for _ in range(200):
            statuses.append(httpx.get(server.url + "/health/ready").status_code)
            if statuses[-1] == 200:
                break
        assert statuses[-1] == 200 and set(statuses) <= {200, 503}
        assert '"message":"models ready"' in server.log()


def test_empty_artifact_dir_is_not_ready(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with running_server(tmp_path, wait_ready=False, SERVE_ARTIFACT_DIR=str(tmp_path / "empty")) as server:
        assert "no model directories" in httpx.get(server.url + "/health/ready").json()["detail"]


@pytest.mark.parametrize("enabled", [False, True])
def test_access_log_follows_the_setting(tmp_path: Path, enabled: bool) -> None:
    with running_server(tmp_path, workers=1, SERVE_ACCESS_LOG=str(enabled).lower()) as server:
        assert httpx.post(server.url + "/predict", json=[PRODUCT]).status_code == 200
        time.sleep(0.3)
        access_lines = [line for line in server.log().splitlines() if '.access"' in line]
    assert bool(access_lines) is enabled
    if enabled:
        assert any('POST /predict HTTP/1.1\\" 200' in line for line in access_lines)


def test_bad_setting_stops_the_server_with_the_variable_named(tmp_path: Path) -> None:
    result = subprocess.run(
        GUNICORN,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"SERVE_MAX_PRODUCTS_PER_REQUEST": "0", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0
    assert "SERVE_MAX_PRODUCTS_PER_REQUEST" in result.stderr + result.stdout
