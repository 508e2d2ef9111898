"""Realistic request bodies drawn from the test TSV, and wrk Lua scripts that rotate them."""

from __future__ import annotations

import base64
import io
import json
import random
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from contract.text import product_text
from training.category.idx import load_split
from training.category.photos import as_photo, encode


def product_bodies(test_tsv: Path, batch: int, count: int, seed: int = 0) -> list[bytes]:
    frame = pd.read_table(test_tsv)
    products = [
        {"name": n, "description": d, "product_id": int(i)}
        for n, d, i in zip(frame["name"], frame["description"], frame["productId"], strict=True)
    ]
    rng = random.Random(seed)
    return [json.dumps(rng.sample(products, batch)).encode() for _ in range(count)]


def v2_product_bodies(test_tsv: Path, batch: int, count: int, seed: int = 0) -> list[bytes]:
    """The same products as `product_bodies` (same seed, same picks), as Open Inference Protocol
    requests: inputs `name` and `description`, BYTES [batch], only the `label` output."""
    bodies = []
    for body in product_bodies(test_tsv, batch, count, seed):
        products = json.loads(body)
        inputs = [
            {"name": field, "shape": [len(products)], "datatype": "BYTES", "data": [p[field] for p in products]}
            for field in ("name", "description")
        ]
        bodies.append(json.dumps({"inputs": inputs, "outputs": [{"name": "label"}]}).encode())
    return bodies


def v2_text_bodies(test_tsv: Path, batch: int, count: int, seed: int = 0) -> list[bytes]:
    """The same products as one V2 input `text` ([batch] BYTES, the prototype's name;description
    text): what a scikit-learn runtime (MLServer's) takes for the pickled pipeline."""
    bodies = []
    for body in product_bodies(test_tsv, batch, count, seed):
        texts = [product_text(p["name"], p["description"]) for p in json.loads(body)]
        tensor = {"name": "text", "shape": [len(texts)], "datatype": "BYTES", "data": texts}
        bodies.append(json.dumps({"inputs": [tensor]}).encode())
    return bodies


def wrk_script(bodies: list[bytes], path: Path) -> Path:
    """A wrk script posting the bodies in rotation (long-bracket strings need no escaping)."""
    lines = ['wrk.method = "POST"', 'wrk.headers["Content-Type"] = "application/json"', "bodies = {"]
    lines += [f"  [==[{body.decode()}]==]," for body in bodies]
    lines += [
        "}",
        "i = 0",
        "request = function()",
        "  i = i % #bodies + 1",
        "  return wrk.format(nil, nil, nil, bodies[i])",
        "end",
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def image_bodies(fashion_dir: Path, batch: int, count: int, size: int = 112, seed: int = 0) -> list[bytes]:
    """Bodies for POST /predict/category: test images as product photos (inverted, upscaled PNG)."""

    images = load_split(fashion_dir, "test").images
    rng = random.Random(seed)
    bodies = []
    for _ in range(count):
        picks = rng.sample(range(len(images)), batch)
        items = [
            {"product_id": i, "image": base64.b64encode(encode(as_photo(images[i], size))).decode()} for i in picks
        ]
        bodies.append(json.dumps(items).encode())
    return bodies


def large_png(width: int = 4999, height: int = 5000) -> bytes:
    """A 25-megapixel greyscale PNG in ~40 kB: legal (at the per-image pixel limit), small on the
    wire, ~0.16 s of decoding and fitting here."""
    pixels = np.zeros((height, width), np.uint8)
    pixels[::50] = 255
    pixels[:, ::70] = 128
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()


def large_jpeg(width: int = 1600, height: int = 1600) -> bytes:
    """A 2.5-megapixel RGB JPEG, a dark block on white, in ~40 kB: 256 of them fit one request."""
    image = Image.new("RGB", (width, height), (255, 255, 255))
    image.paste((30, 30, 30), (width // 4, height // 4, 3 * width // 4, 3 * height // 4))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=50)
    return buffer.getvalue()


def images_body(image: bytes, count: int) -> bytes:
    """A POST /predict/category body of `count` products with the same image."""
    encoded = base64.b64encode(image).decode()
    return json.dumps([{"product_id": i, "image": encoded} for i in range(count)]).encode()
