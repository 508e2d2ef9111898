"""The predict routes as ASGI endpoints (server/rest/endpoint.py): what Litestar did for them as
HTTP routes (methods, the query flag, the OpenAPI operation) still holds, in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from server.app import create_app
from server.rest.endpoint import query_flag
from server.settings import ServerSettings
from server.wire.errors import RequestError
from tests.conftest import ROOT

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


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (b"", False),
        (b"probabilities=true", True),
        (b"probabilities=True", True),
        (b"probabilities=1", True),
        (b"probabilities=false", False),
        (b"probabilities=0", False),
        (b"other=1&probabilities=TRUE", True),
        (b"other=1", False),
    ],
)
def test_query_flag_reads_a_boolean_as_litestar_does(query: bytes, expected: bool) -> None:
    assert query_flag({"query_string": query}, "probabilities") is expected  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [b"maybe", b"yes", b""])
def test_query_flag_refuses_anything_else_naming_the_parameter(value: bytes) -> None:
    with pytest.raises(RequestError) as refused:
        query_flag({"query_string": b"probabilities=" + value}, "probabilities")  # type: ignore[arg-type]
    assert refused.value.status == 400 and "probabilities" in refused.value.detail
