"""POST /predict/category through the real server (gunicorn + uvicorn workers, the committed
artifacts): accuracy on photos of either polarity, the probabilities flag, and every kind of
bad image answered with a 4xx naming the product while the server stays up."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import numpy as np
import pytest
from PIL import Image

from contract.fashion_groups import GROUPS, to_groups
from tests.images import decompression_bomb
from tests.server_process import Server, running_server
from training.category.idx import Split
from training.category.photos import as_photo, encode

URL = "/predict/category"
BATCH = 250
SERVED_FLOOR = 0.985  # the category model's served accuracy target, as photos and plain


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(
        tmp_path_factory.mktemp("server"),
        SERVE_MAX_IMAGE_BYTES="200000",
        SERVE_MAX_IMAGES_PER_REQUEST="300",
        SERVE_MAX_CATEGORY_BODY_BYTES="4000000",
    ) as running:
        yield running


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _accuracy(server: Server, split: Split, to_bytes) -> float:
    predicted: list[str] = []
    with httpx.Client(base_url=server.url, timeout=60) as client:
        for start in range(0, len(split.labels), BATCH):
            chunk = split.images[start : start + BATCH]
            body = [{"product_id": start + i, "image": _b64(to_bytes(p))} for i, p in enumerate(chunk)]
            response = client.post(URL, json=body)
            assert response.status_code == 200, response.text[:500]
            answers = response.json()
            assert [a["product_id"] for a in answers] == [b["product_id"] for b in body]  # request order
            predicted += [a["category"] for a in answers]
    truth = [GROUPS[g] for g in to_groups(split.labels)]
    return float(np.mean([p == t for p, t in zip(predicted, truth, strict=True)]))


@pytest.mark.slow
def test_inverted_upscaled_photos_are_classified(server: Server, fashion_test: Split) -> None:
    # The brief's photos are dark garments on white and larger than 28×28: all 10,000 test images so.
    accuracy = _accuracy(server, fashion_test, lambda p: encode(as_photo(p, 112)))
    assert accuracy >= SERVED_FLOOR, accuracy


@pytest.mark.slow
def test_fashion_mnist_polarity_is_classified(server: Server, fashion_test: Split) -> None:
    accuracy = _accuracy(server, fashion_test, lambda p: encode(Image.fromarray(p, mode="L")))
    assert accuracy >= SERVED_FLOOR, accuracy


def test_jpeg_probabilities_and_ids(server: Server, fashion_test: Split) -> None:
    photo = encode(as_photo(fashion_test.images[0], 300).convert("RGB"), "JPEG")
    body = [
        {"product_id": "sku-1", "image": _b64(photo)},
        {"product_id": 2, "image": "data:image/jpeg;base64," + _b64(photo)},
    ]
    plain = httpx.post(server.url + URL, json=body)
    assert plain.status_code == 200 and [set(a) for a in plain.json()] == [{"category", "product_id"}] * 2
    response = httpx.post(server.url + URL, params={"probabilities": "true"}, json=body)
    assert response.status_code == 200
    first, second = response.json()
    assert first["product_id"] == "sku-1" and second["product_id"] == 2
    assert first["category"] == "Footwear"  # test image 0 is an ankle boot
    assert list(first["probabilities"]) == list(GROUPS)
    assert abs(sum(first["probabilities"].values()) - 1.0) < 1e-4
    assert max(first["probabilities"], key=first["probabilities"].get) == first["category"]


def test_empty_list(server: Server) -> None:
    response = httpx.post(server.url + URL, json=[])
    assert response.status_code == 200 and response.json() == []


def _truncated(fashion_image: np.ndarray) -> bytes:
    return encode(as_photo(fashion_image, 112))[:200]


BAD_IMAGES = {
    "not an image": (lambda img: _b64(b"this is plain text, not a picture"), 422, "not a readable PNG or JPEG"),
    "truncated": (lambda img: _b64(_truncated(img)), 422, "corrupt or truncated"),
    "zero-size": (lambda img: "", 422, "image is empty"),
    "decompression bomb": (lambda img: _b64(decompression_bomb()), 413, "36000000 pixels, limit 25000000"),
    "over the size limit": (
        lambda img: _b64(
            encode(Image.fromarray(np.random.default_rng(0).integers(0, 255, (600, 600), dtype=np.uint8)))
        ),
        413,
        "limit max_image_bytes=200000",
    ),  # noqa: E501
    "bad base64": (lambda img: "not*base64!", 422, "not valid base64"),
    "not a string": (lambda img: 12345, 422, "Expected `str`"),
}


@pytest.mark.parametrize("case", list(BAD_IMAGES))
def test_bad_image_is_refused_naming_the_product(server: Server, fashion_test: Split, case: str) -> None:
    make, status, reason = BAD_IMAGES[case]
    good = _b64(encode(as_photo(fashion_test.images[0], 112)))
    body = [{"product_id": "good-1", "image": good}, {"product_id": "bad-7", "image": make(fashion_test.images[0])}]
    response = httpx.post(server.url + URL, json=body, timeout=30)
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert reason in detail
    if case != "not a string":  # msgspec names the path: $[1].image
        assert "'bad-7'" in detail and "$[1].image" in detail
    else:
        assert "$[1].image" in detail
    assert httpx.post(server.url + URL, json=body[:1]).status_code == 200  # still serving


def test_limits_on_count_body_and_query(server: Server) -> None:
    too_many = httpx.post(server.url + URL, json=[{"product_id": i, "image": ""} for i in range(301)])
    assert too_many.status_code == 422 and "max_images_per_request=300" in too_many.json()["detail"]
    huge = httpx.post(
        server.url + URL, content=b"[" + b" " * 4_100_000 + b"]", headers={"content-type": "application/json"}
    )
    assert huge.status_code == 413 and "max_category_body_bytes=4000000" in huge.json()["detail"]
    flag = httpx.post(server.url + URL, params={"probabilities": "maybe"}, json=[])
    assert flag.status_code == 400 and "probabilities" in flag.json()["detail"]
    wrong_type = httpx.post(server.url + URL, content=b"[]", headers={"content-type": "text/plain"})
    assert wrong_type.status_code == 415


def test_schema_declares_the_image_limits_of_the_settings(server: Server) -> None:
    schema = httpx.get(server.url + "/docs/openapi.json").json()
    body = schema["paths"][URL]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["maxItems"] == 300  # SERVE_MAX_IMAGES_PER_REQUEST
    image = body["items"]["properties"]["image"]
    assert (image["type"], image["format"], image["contentEncoding"]) == ("string", "byte", "base64")
    assert image["minLength"] == 4  # one base64 group: an empty image is not schema-valid
    assert image["maxLength"] == 266_668  # base64 of SERVE_MAX_IMAGE_BYTES=200000
    assert body["items"]["properties"]["product_id"]["anyOf"][1]["maxLength"] == 10_000  # max_field_chars
    # The declared bound is the enforced one: at maxLength the size passes (the bytes are no image),
    # one base64 group more is over max_image_bytes.
    at_limit = httpx.post(server.url + URL, json=[{"product_id": 1, "image": "A" * image["maxLength"]}])
    assert at_limit.status_code == 422 and "not a readable PNG or JPEG" in at_limit.json()["detail"]
    over = httpx.post(server.url + URL, json=[{"product_id": 1, "image": "A" * (image["maxLength"] + 4)}])
    assert over.status_code == 413 and "max_image_bytes=200000" in over.json()["detail"]


def test_workers_survived_and_counted(server: Server) -> None:
    assert server.worker_pids() == server.initial_workers
    assert httpx.get(server.url + "/health/ready").status_code == 200
    metrics = httpx.get(server.url + "/metrics").text
    assert 'catalogue_predictions_total{label="Footwear",model="category"}' in metrics
    models = {m["name"]: m for m in httpx.get(server.url + "/models").json()}
    assert models["category"]["metadata"]["input"]["kind"] == "image"
