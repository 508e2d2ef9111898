"""The app factory in-process (Litestar's AsyncTestClient, lifespan included): routing, errors,
OpenAPI and the model repository, in milliseconds. What needs a real
worker (gunicorn, the admission middleware, timeouts, signals) is tested in test_api.py and
resilience/ against the real server."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from server.app import create_app
from server.settings import ServerSettings
from tests.conftest import ROOT

ARTIFACTS = ROOT / "artifacts"
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # the server's event loop


PRODUCT = {"name": "Floral Midi Dress", "description": "A floral print;cotton", "product_id": 7}


@pytest.fixture
async def client() -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(create_app(ServerSettings(artifact_dir=ARTIFACTS))) as client:
        yield client


async def test_every_model_directory_is_served_under_its_name(client: AsyncTestClient) -> None:
    ready = await client.get("/health/ready")
    assert ready.status_code == 200, ready.text
    listed = {m["name"]: m for m in (await client.get("/models")).json()}
    assert sorted(listed) == sorted(p.parent.name for p in ARTIFACTS.glob("*/metadata.json"))
    assert all(m["state"] == "ready" for m in listed.values())
    answer = await client.post("/predict", json=[PRODUCT])
    assert answer.status_code == 200, answer.text
    assert answer.json()[0]["product_id"] == 7 and answer.json()[0]["pattern"]


async def test_errors_name_the_problem(client: AsyncTestClient) -> None:
    wrong_type = await client.post("/predict", content=b"[]", headers={"content-type": "text/plain"})
    assert wrong_type.status_code == 415 and "Content-Type must be application/json" in wrong_type.json()["detail"]
    empty = await client.post("/predict", content=b"", headers={"content-type": "application/json"})
    assert empty.status_code == 400 and "empty body" in empty.json()["detail"]
    too_many = await client.post("/predict", json=[PRODUCT] * 1001)
    assert too_many.status_code == 422 and "max_products_per_request=1000" in too_many.json()["detail"]
    unknown = await client.get("/nowhere")
    assert unknown.status_code == 404
    wrong_method = await client.get("/predict")
    assert wrong_method.status_code == 405 and "POST" in wrong_method.headers["allow"]
    bad_query = await client.post("/predict/category?probabilities=maybe", json=[])
    assert bad_query.status_code == 400 and "probabilities" in bad_query.json()["detail"]


async def test_openapi_documents_each_served_route_with_its_limits(client: AsyncTestClient) -> None:
    schema = (await client.get("/docs/openapi.json")).json()
    assert {"/predict", "/infer", "/predict/category", "/health/ready", "/models"} <= set(schema["paths"])
    body = schema["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["maxItems"] == 1000
    assert body["items"]["properties"]["name"]["maxLength"] == 10_000
    assert "/metrics" not in schema["paths"]


async def test_a_brief_routes_model_missing_from_the_repository_answers_503_naming_it(tmp_path: Path) -> None:
    shutil.copytree(ARTIFACTS / "category", tmp_path / "category")
    async with AsyncTestClient(create_app(ServerSettings(artifact_dir=tmp_path))) as client:
        assert (await client.get("/health/ready")).status_code == 200  # what is there is served
        answer = await client.post("/predict", json=[PRODUCT])
    assert answer.status_code == 503 and "model 'pattern' is not loaded: no such model directory" in answer.text


async def test_a_copied_directory_is_a_second_model_and_the_brief_route_follows_its_setting(tmp_path: Path) -> None:
    shutil.copytree(ARTIFACTS / "pattern", tmp_path / "pattern")
    shutil.copytree(ARTIFACTS / "pattern", tmp_path / "pattern-challenger")
    settings = ServerSettings(artifact_dir=tmp_path, pattern_model="pattern-challenger")
    async with AsyncTestClient(create_app(settings)) as client:
        assert (await client.get("/health/ready")).status_code == 200
        assert [m["name"] for m in (await client.get("/models")).json()] == ["pattern", "pattern-challenger"]
        assert (await client.post("/predict", json=[PRODUCT])).status_code == 200
        metrics = (await client.get("/metrics")).text
    assert "catalogue_predictions_total{label=" in metrics and 'model="pattern-challenger"' in metrics


async def test_a_broken_directory_is_reported_without_hiding_the_others(tmp_path: Path) -> None:
    shutil.copytree(ARTIFACTS / "pattern", tmp_path / "pattern")
    shutil.copytree(ARTIFACTS / "pattern", tmp_path / "broken")
    (tmp_path / "broken" / "metadata.json").write_text("{")
    async with AsyncTestClient(create_app(ServerSettings(artifact_dir=tmp_path))) as client:
        ready = await client.get("/health/ready")
        listed = {m["name"]: m for m in (await client.get("/models")).json()}
        answer = await client.post("/predict", json=[PRODUCT])
    assert ready.status_code == 503 and "model 'broken': ArtifactError" in ready.json()["detail"]
    assert listed["broken"]["state"] == "failed" and "invalid metadata" in listed["broken"]["error"]
    assert listed["pattern"]["state"] == "ready" and answer.status_code == 200


async def test_a_brief_route_refuses_a_model_of_another_kind(tmp_path: Path) -> None:
    shutil.copytree(ARTIFACTS / "category", tmp_path / "pattern")  # an image model where the text model is named
    async with AsyncTestClient(create_app(ServerSettings(artifact_dir=tmp_path))) as client:
        assert (await client.get("/health/ready")).status_code == 200
        answer = await client.post("/predict", json=[PRODUCT])
    assert answer.status_code == 503
    assert "model 'pattern' is of kind image-classification; this route needs kind text-classification" in answer.text
