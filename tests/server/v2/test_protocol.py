"""The Open Inference Protocol routes in-process (the app factory under Litestar's test client):
metadata, readiness, the JSON and binary forms byte by byte, and every bad request answered
`{"error"}` with a status and a message naming the problem. tritonclient over the real server is
in test_tritonclient.py."""

from __future__ import annotations

import base64
import io
import json
import struct
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from litestar.testing import AsyncTestClient
from PIL import Image

from server.app import create_app
from server.settings import ServerSettings
from tests.conftest import ROOT

pytestmark = pytest.mark.anyio
ARTIFACTS = ROOT / "artifacts"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client() -> AsyncIterator[AsyncTestClient]:
    settings = ServerSettings(artifact_dir=ARTIFACTS, max_products_per_request=3, max_field_chars=50)
    async with AsyncTestClient(create_app(settings)) as client:
        yield client


def _text_request(names: list[str], descriptions: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "inputs": [
            {"name": "name", "shape": [len(names)], "datatype": "BYTES", "data": names},
            {"name": "description", "shape": [len(descriptions)], "datatype": "BYTES", "data": descriptions},
        ],
        **extra,
    }


def _name_as(shape: int, data: list[Any], datatype: str = "BYTES") -> dict[str, Any]:
    """A request whose `name` input is as given, its `description` one good element."""
    request = _text_request(["a"], ["b"])
    request["inputs"][0] = {"name": "name", "shape": [shape], "datatype": datatype, "data": data}
    return request


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (40, 60), 255).save(buffer, "PNG")
    return buffer.getvalue()


def _bytes_tensor(elements: list[bytes]) -> bytes:
    return b"".join(struct.pack("<I", len(e)) + e for e in elements)


async def test_server_and_model_metadata(client: AsyncTestClient) -> None:
    assert (await client.get("/v2")).json() == {
        "name": "catalogue-ml",
        "version": "1.0.0",
        "extensions": ["binary_tensor_data"],
    }
    assert (await client.get("/v2/health/live")).status_code == 200
    assert (await client.get("/v2/health/ready")).status_code == 200
    metadata = (await client.get("/v2/models/category")).json()
    version = metadata["versions"][0]
    assert metadata["platform"] == "onnxruntime_onnx" and metadata["parameters"]["task"] == "image-classification"
    assert metadata["inputs"] == [{"name": "image", "datatype": "BYTES", "shape": [-1]}]
    assert metadata["outputs"][1] == {"name": "probabilities", "datatype": "FP32", "shape": [-1, 5]}
    assert (await client.get(f"/v2/models/category/versions/{version}")).json() == metadata
    assert (await client.get(f"/v2/models/category/versions/{version}/ready")).status_code == 200
    assert (await client.get("/v2/models/category/versions/nope/ready")).status_code == 404
    # A path no V2 route matches is refused by Litestar's router, before the V2 router's handlers:
    # still the protocol's format, as tritonclient expects of any error.
    unmatched = await client.get("/v2/models/category/no/such/route")
    assert (unmatched.status_code, unmatched.json()) == (404, {"error": "Not Found"})


async def test_json_inference_answers_every_output_in_order(client: AsyncTestClient) -> None:
    request = _text_request(["Leopard midi", "Floral dress"], ["Animal print", "flowers"], id="r-1")
    answer = (await client.post("/v2/models/pattern/infer", json=request)).json()
    assert answer["model_name"] == "pattern" and answer["id"] == "r-1" and answer["model_version"]
    label, probabilities = answer["outputs"]
    assert label["name"] == "label" and label["shape"] == [2] and label["datatype"] == "BYTES"
    assert probabilities["shape"] == [2, 9] and len(probabilities["data"]) == 18
    brief = await client.post(
        "/predict",
        json=[
            {"name": n, "description": d, "product_id": i}
            for i, (n, d) in enumerate(zip(*_pairs(request), strict=True))
        ],
    )
    assert label["data"] == [p["pattern"] for p in brief.json()]


def _pairs(request: dict[str, Any]) -> tuple[list[str], list[str]]:
    return request["inputs"][0]["data"], request["inputs"][1]["data"]


async def test_binary_request_and_response(client: AsyncTestClient) -> None:
    png = _png()
    tensor = _bytes_tensor([png, png])
    header = json.dumps(
        {
            "inputs": [
                {"name": "image", "shape": [2], "datatype": "BYTES", "parameters": {"binary_data_size": len(tensor)}}
            ],
            "outputs": [{"name": "probabilities", "parameters": {"binary_data": True}}, {"name": "label"}],
        }
    ).encode()
    response = await client.post(
        "/v2/models/category/infer",
        content=header + tensor,
        headers={"Inference-Header-Content-Length": str(len(header)), "Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 200, response.text
    length = int(response.headers["inference-header-content-length"])
    answer = json.loads(response.content[:length])
    probabilities, label = answer["outputs"]
    assert probabilities["parameters"]["binary_data_size"] == 2 * 5 * 4 and "data" not in probabilities
    values = np.frombuffer(response.content[length:], dtype="<f4").reshape(2, 5)
    np.testing.assert_allclose(values.sum(axis=1), 1.0, rtol=1e-5)
    json_answer = await client.post(
        "/v2/models/category/infer",
        json={
            "inputs": [{"name": "image", "shape": [1], "datatype": "BYTES", "data": [base64.b64encode(png).decode()]}]
        },
    )
    assert json_answer.json()["outputs"][0]["data"][0] == label["data"][0]


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/v2/models/nope/infer", _text_request(["a"], ["b"]), 404, "unknown model 'nope'"),
        ("/v2/models/pattern/versions/0/infer", _text_request(["a"], ["b"]), 404, "no version '0'"),
        (
            "/v2/models/pattern/infer",
            {"inputs": [{"name": "name", "shape": [1], "datatype": "BYTES", "data": ["a"]}]},
            400,
            "missing input 'description'",
        ),
        (
            "/v2/models/pattern/infer",
            {**_text_request(["a"], ["b"]), "outputs": [{"name": "colour"}]},
            400,
            "unknown output 'colour'",
        ),
        (  # before: answered, once per entry (700,000 entries in 16 MiB: seconds of work, ~175 MiB answer)
            "/v2/models/pattern/infer",
            {**_text_request(["a"], ["b"]), "outputs": [{"name": "probabilities"}] * 3},
            400,
            "output 'probabilities' is requested twice",
        ),
        (
            "/v2/models/pattern/infer",
            _text_request(["a", "b"], ["c"]),
            400,
            "'name' has 2 elements and 'description' 1",
        ),
        ("/v2/models/pattern/infer", _text_request(["a"] * 4, ["b"] * 4), 400, "limit max_products_per_request=3"),
        (  # the declared shape is checked against the limit before any element is read
            "/v2/models/pattern/infer",
            _name_as(4, ["a"]),
            400,
            "too many products: 4 in one request, limit max_products_per_request=3",
        ),
        ("/v2/models/pattern/infer", _text_request(["a" * 51], ["b"]), 400, "limit max_field_chars=50"),
        (
            "/v2/models/pattern/infer",
            _name_as(2, ["a"]),
            400,
            "shape [2] but 1 elements",
        ),
        (
            "/v2/models/pattern/infer",
            _name_as(1, [1], "INT64"),
            400,
            "datatype INT64, this model takes BYTES",
        ),
        (
            "/v2/models/pattern/infer",
            _name_as(1, [1]),
            400,
            "element 0 is int, BYTES elements are strings",
        ),
        (
            "/v2/models/category/infer",
            {"inputs": [{"name": "image", "shape": [1], "datatype": "BYTES", "data": ["bm90IGFuIGltYWdl"]}]},
            400,
            "element 0: not a readable",
        ),
        ("/v2/models/pattern/infer", {"inputs": "x"}, 400, "invalid inference request"),
    ],
    ids=[
        "model",
        "version",
        "input",
        "output",
        "output twice",
        "lengths",
        "count",
        "declared count",
        "chars",
        "shape",
        "datatype",
        "element",
        "image",
        "json",
    ],
)
async def test_bad_requests_answer_the_protocols_error(
    client: AsyncTestClient, path: str, body: dict[str, Any], status: int, message: str
) -> None:
    response = await client.post(path, json=body)
    assert response.status_code == status and set(response.json()) == {"error"}
    assert message in response.json()["error"], response.json()


@pytest.mark.parametrize(
    ("binary", "message"),
    [
        (b"\x05\x00\x00\x00ab", "runs past the tensor's binary data"),
        (b"\x01\x00", "ends inside an element's 4-byte length"),
        (b"\x01\x00\x00\x00a\x00\x00\x00\x00", "holds more than the 1 elements of its shape"),
    ],
)
async def test_malformed_binary_data_is_a_bad_request(client: AsyncTestClient, binary: bytes, message: str) -> None:
    header = json.dumps(
        {
            "inputs": [
                {"name": "image", "shape": [1], "datatype": "BYTES", "parameters": {"binary_data_size": len(binary)}}
            ]
        }
    ).encode()
    response = await client.post(
        "/v2/models/category/infer",
        content=header + binary,
        headers={"Inference-Header-Content-Length": str(len(header))},
    )
    assert response.status_code == 400 and message in response.json()["error"]


async def test_a_failed_directory_makes_its_model_not_ready_and_the_others_serve(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(ARTIFACTS / "pattern", tmp_path / "pattern")
    shutil.copytree(ARTIFACTS / "pattern", tmp_path / "broken")
    (tmp_path / "broken" / "model.onnx").write_bytes(b"not onnx")
    async with AsyncTestClient(create_app(ServerSettings(artifact_dir=tmp_path))) as client:
        assert (await client.get("/v2/health/ready")).status_code == 503
        broken = await client.get("/v2/models/broken/ready")
        assert broken.status_code == 503 and "sha256" in broken.json()["error"]
        assert (await client.get("/v2/models/pattern/ready")).status_code == 200
        answer = await client.post("/v2/models/pattern/infer", json=_text_request(["a"], ["b"]))
    assert answer.status_code == 200
