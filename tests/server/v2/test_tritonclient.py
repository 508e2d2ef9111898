"""The Open Inference Protocol through its reference client, tritonclient (HTTP), against the real
server (gunicorn, 2 uvicorn workers), as a Triton or KServe user would call it: health and metadata,
both models in JSON and in binary mode with the same answers as the brief's routes, a copied model
directory served under its own name, and errors surfaced by the client with the server's message."""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
import tritonclient.http as triton
from tritonclient.utils import InferenceServerException

from tests.conftest import ROOT
from tests.server_process import Server, running_server
from training.category.idx import Split
from training.category.photos import as_photo, encode

COPY = "pattern-copy"  # a copy of artifacts/pattern/ under another name: a second model


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("server")
    repository = tmp / "models"
    shutil.copytree(ROOT / "artifacts", repository)
    shutil.copytree(ROOT / "artifacts" / "pattern", repository / COPY)
    with running_server(tmp, SERVE_ARTIFACT_DIR=str(repository)) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[triton.InferenceServerClient]:
    client = triton.InferenceServerClient(server.url.removeprefix("http://"), network_timeout=120.0)
    yield client
    client.close()


@pytest.fixture(scope="module")
def test_products(data_dir: Path) -> pd.DataFrame:
    return pd.read_csv(data_dir / "asos" / "exercise_test.tsv", sep="\t", keep_default_na=False)


def _text_inputs(frame: pd.DataFrame, binary: bool) -> list[triton.InferInput]:
    inputs = []
    for field in ("name", "description"):
        tensor = triton.InferInput(field, [len(frame)], "BYTES")
        tensor.set_data_from_numpy(frame[field].to_numpy(dtype=object), binary_data=binary)
        inputs.append(tensor)
    return inputs


def _outputs(binary: bool) -> list[triton.InferRequestedOutput]:
    return [triton.InferRequestedOutput(name, binary_data=binary) for name in ("label", "probabilities")]


def _labels(result: triton.InferResult) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else v for v in result.as_numpy("label").tolist()]


def test_health_and_metadata(client: triton.InferenceServerClient) -> None:
    assert client.is_server_live() and client.is_server_ready()
    assert "binary_tensor_data" in client.get_server_metadata()["extensions"]
    for name in ("pattern", "category", COPY):
        assert client.is_model_ready(name)
    pattern = client.get_model_metadata("pattern")
    assert [(t["name"], t["datatype"], t["shape"]) for t in pattern["inputs"]] == [
        ("name", "BYTES", [-1]),
        ("description", "BYTES", [-1]),
    ]
    labels = pattern["parameters"]["labels"]
    assert pattern["outputs"][1] == {"name": "probabilities", "datatype": "FP32", "shape": [-1, len(labels)]}
    category = client.get_model_metadata("category")
    assert [t["name"] for t in category["inputs"]] == ["image"]
    assert client.get_model_metadata("category", category["versions"][0])["name"] == "category"


@pytest.mark.parametrize("binary", [False, True], ids=["json", "binary"])
def test_every_test_product_gets_the_label_of_predict(
    server: Server, client: triton.InferenceServerClient, test_products: pd.DataFrame, binary: bool
) -> None:
    result = client.infer("pattern", _text_inputs(test_products, binary), outputs=_outputs(binary), request_id="b1")
    products = [
        {"name": n, "description": d, "product_id": i}
        for i, (n, d) in enumerate(zip(test_products["name"], test_products["description"], strict=True))
    ]
    expected = [p["pattern"] for p in httpx.post(server.url + "/predict", json=products, timeout=60).json()]
    assert _labels(result) == expected
    probabilities = result.as_numpy("probabilities")
    assert probabilities.shape == (len(test_products), 9) and probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert result.get_response()["id"] == "b1"


@pytest.mark.parametrize("binary", [False, True], ids=["json-base64", "binary-bytes"])
def test_category_images_get_the_group_of_predict_category(
    server: Server, client: triton.InferenceServerClient, fashion_test: Split, binary: bool
) -> None:
    photos = [encode(as_photo(pixels, 112)) for pixels in fashion_test.images[:200]]
    tensor = triton.InferInput("image", [len(photos)], "BYTES")
    # Binary data carries the PNG bytes as they are; JSON carries their base64 text.
    elements = photos if binary else [base64.b64encode(p).decode() for p in photos]
    tensor.set_data_from_numpy(np.array(elements, dtype=object), binary_data=binary)
    result = client.infer("category", [tensor], outputs=_outputs(binary))
    body = [{"product_id": i, "image": base64.b64encode(p).decode()} for i, p in enumerate(photos)]
    expected = httpx.post(server.url + "/predict/category?probabilities=true", json=body, timeout=60).json()
    assert _labels(result) == [e["category"] for e in expected]
    np.testing.assert_allclose(
        result.as_numpy("probabilities"), [list(e["probabilities"].values()) for e in expected], rtol=1e-6
    )


def test_a_copied_model_directory_is_served_by_its_name(
    client: triton.InferenceServerClient, test_products: pd.DataFrame
) -> None:
    frame = test_products.head(50)
    original = client.infer("pattern", _text_inputs(frame, True), outputs=_outputs(True))
    copy = client.infer(COPY, _text_inputs(frame, True), outputs=_outputs(True))
    assert copy.get_response()["model_name"] == COPY
    assert _labels(copy) == _labels(original)


def test_only_the_requested_output_is_answered(client: triton.InferenceServerClient) -> None:
    frame = pd.DataFrame({"name": ["Floral Midi Dress"], "description": ["A floral print;cotton"]})
    result = client.infer("pattern", _text_inputs(frame, False), outputs=[triton.InferRequestedOutput("label")])
    assert [o["name"] for o in result.get_response()["outputs"]] == ["label"]
    assert result.as_numpy("probabilities") is None


def test_errors_reach_the_client_with_the_servers_message(client: triton.InferenceServerClient) -> None:
    frame = pd.DataFrame({"name": ["Floral Midi Dress"], "description": ["A floral print;cotton"]})
    with pytest.raises(InferenceServerException) as unknown:
        client.infer("no-such-model", _text_inputs(frame, False))
    assert unknown.value.status() == "404" and "unknown model 'no-such-model'" in unknown.value.message()
    with pytest.raises(InferenceServerException) as missing:
        client.infer("pattern", _text_inputs(frame, False)[:1])
    assert missing.value.status() == "400" and "missing input 'description'" in missing.value.message()
    with pytest.raises(InferenceServerException) as version:
        client.get_model_metadata("pattern", model_version="0")
    assert version.value.status() == "404" and "no version '0'" in version.value.message()
    with pytest.raises(InferenceServerException) as wrong_type:
        tensor = triton.InferInput("image", [1], "FP32")
        tensor.set_data_from_numpy(np.zeros(1, np.float32))
        client.infer("category", [tensor])
    assert wrong_type.value.status() == "400" and "datatype FP32, this model takes BYTES" in wrong_type.value.message()
