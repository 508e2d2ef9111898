"""The predict routes as ASGI endpoints (server/rest/endpoint.py): what Litestar did for them as
HTTP routes (methods, the query flag, the OpenAPI operation, body limits, a client gone mid-body)
still holds, in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar, post
from litestar.params import FromQuery
from litestar.testing import AsyncTestClient, TestClient

from server.app import create_app, create_server
from server.rest.endpoint import query_flag
from server.settings import ServerSettings
from server.wire.errors import RequestError
from tests.conftest import ROOT
from tests.metrics_text import metric_sum

pytestmark = pytest.mark.anyio
ENDPOINTS = (
    "/predict",
    "/infer",
    "/predict/category",
    "/v2/models/pattern/infer",
    "/v2/models/pattern/versions/x/infer",
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client() -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(create_app(ServerSettings(artifact_dir=ROOT / "artifacts"))) as client:
        yield client


@pytest.mark.parametrize("path", ENDPOINTS)
async def test_options_and_other_methods_are_answered_as_litestar_answers_a_post_route(
    client: AsyncTestClient, path: str
) -> None:
    options = await client.options(path)
    assert options.status_code == 204 and options.headers["allow"] == "OPTIONS, POST"
    for method in ("GET", "HEAD", "PUT", "PATCH", "DELETE"):
        refused = await client.request(method, path)
        assert refused.status_code == 405, (method, refused.text)
        # As a set: Litestar's own 405s (the V2 infer routes') list the two in either order.
        assert {m.strip() for m in refused.headers["allow"].split(",")} == {"OPTIONS", "POST"}


async def test_every_endpoint_is_documented_as_a_post_operation(client: AsyncTestClient) -> None:
    paths = (await client.get("/docs/openapi.json")).json()["paths"]
    documented = {"/predict", "/infer", "/predict/category", "/v2/models/{name}/infer"}
    documented.add("/v2/models/{name}/versions/{version}/infer")
    for path in documented:
        assert set(paths[path]) == {"post"}, path
        assert paths[path]["post"]["requestBody"]["required"] is True
    flag = paths["/predict/category"]["post"]["parameters"]
    assert [(p["name"], p["in"], p["schema"]["type"]) for p in flag] == [("probabilities", "query", "boolean")]
    version = paths["/v2/models/{name}/versions/{version}/infer"]["post"]["parameters"]
    assert [(p["name"], p["in"]) for p in version] == [("name", "path"), ("version", "path")]


async def test_an_endpoint_error_goes_through_its_routers_handlers(client: AsyncTestClient) -> None:
    brief = await client.post("/predict", content=b"[]", headers={"content-type": "text/plain"})
    assert brief.status_code == 415 and set(brief.json()) == {"status_code", "detail"}
    v2 = await client.post("/v2/models/nowhere/infer", json={"inputs": []})
    assert v2.status_code == 404 and set(v2.json()) == {"error"} and "nowhere" in v2.json()["error"]


@post("/flag", status_code=200, sync_to_thread=False)
def litestar_flag(probabilities: FromQuery[bool] = False) -> bool:
    return probabilities


FLAG_QUERIES = [
    "",
    "probabilities=true",
    "probabilities=True",
    "probabilities=1",
    "probabilities=false",
    "probabilities=0",
    "other=1&probabilities=TRUE",
    "other=1",
    "probabilities=false&probabilities=true",  # repeated: the last one counts
    "probabilities=maybe&probabilities=1",
    "probabilities=true&probabilities=maybe",
    "probabilities=%31",
    "probabilities=+1",
    "probabilities",
    "probabilities=",
    "probabilities=yes",
    "probabilities=maybe",
]


def test_query_flag_reads_the_flag_as_litestar_reads_a_bool_parameter() -> None:
    """Each query through a Litestar handler with `probabilities: bool = False` and through
    `query_flag`: the same value, or both refuse (400, naming the parameter)."""
    with TestClient(Litestar([litestar_flag], logging_config=None)) as litestar:
        for query in FLAG_QUERIES:
            answer = litestar.post(f"/flag?{query}")
            expected = answer.json() if answer.status_code == 200 else answer.status_code
            try:
                ours: bool | int = query_flag({"query_string": query.encode()}, "probabilities")  # type: ignore[arg-type]
            except RequestError as refused:
                assert "probabilities" in refused.detail
                ours = refused.status
            assert ours == expected, (query, answer.text)


async def test_a_client_gone_mid_body_is_counted_499_not_500() -> None:
    """The admission middleware sees Litestar's 500 for a body that never ended and counts it as
    499 (client closed request), so it stays out of the server-error rate."""
    server = create_server(ServerSettings(artifact_dir=ROOT / "artifacts"))
    body_then_gone: list[dict[str, Any]] = [
        {"type": "http.request", "body": b'[{"name"', "more_body": True},
        {"type": "http.disconnect"},
    ]
    async with AsyncTestClient(server.app):  # its lifespan: the models load
        status, _ = await _call(server, "POST", "/predict", body_then_gone)
        _, scrape = await _call(server, "GET", "/metrics", [{"type": "http.request", "body": b""}])
    assert status == 499
    seconds_count = "catalogue_http_request_duration_seconds_count"
    assert metric_sum(scrape.decode(), seconds_count, route="/predict", status="499") == 1
    assert metric_sum(scrape.decode(), seconds_count, route="/predict", status="500") == 0


async def _call(app: Any, method: str, path: str, messages: list[dict[str, Any]]) -> tuple[int, bytes]:
    """One raw ASGI request: `messages` are what the client sends, in order."""
    scope: dict[str, Any] = {"type": "http", "method": method, "path": path, "raw_path": path.encode()}
    scope |= {"query_string": b"", "state": {}}
    scope["headers"] = [(b"content-type", b"application/json"), (b"content-length", b"100")]
    pending = list(reversed(messages))
    status, body = 0, b""

    async def receive() -> dict[str, Any]:
        return pending.pop()

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, body
        if message["type"] == "http.response.start":
            status = message["status"]
        else:
            body += message.get("body", b"")

    await app(scope, receive, send)
    return status, body


async def test_the_v2_body_limit_is_named_in_the_protocols_413() -> None:
    settings = ServerSettings(artifact_dir=ROOT / "artifacts", max_infer_body_bytes=1000)
    async with AsyncTestClient(create_app(settings)) as client:
        request = {"inputs": [{"name": "name", "shape": [1], "datatype": "BYTES", "data": ["n" * 2000]}]}
        refused = await client.post("/v2/models/pattern/infer", json=request)
    assert refused.status_code == 413
    assert refused.json() == {"error": "request body over the limit max_infer_body_bytes=1000"}
