"""What the load test sends: real test products for POST /predict and Fashion-MNIST test
images as product photos for POST /predict/category (as benchmarks/payloads.py builds them),
prepared once so that the locust tasks only pick and serialise."""

from __future__ import annotations

import base64
import os
import random
from pathlib import Path

PRODUCTS_FILE = Path("asos") / "exercise_test.tsv"
FASHION_DIR = Path("fashion-mnist")
PHOTO_SIZE = 112  # as the benchmarks and the category tests: inverted, upscaled PNGs
PHOTO_COUNT = 500
_REMEDY = "set DATA_DIR to the folder holding asos/ and fashion-mnist/ (see README, Data sets)"


class MissingData(Exception):
    """A data set the load test draws its bodies from is missing or unreadable."""


def data_dir() -> Path:
    return Path(os.environ.get("DATA_DIR", "data"))


def products(root: Path) -> list[dict]:
    """Every test product as the API takes it: name, description, integer product_id."""
    import pandas as pd

    path = root / PRODUCTS_FILE
    if not path.is_file():
        raise MissingData(f"test products not found at {path}: {_REMEDY}")
    frame = pd.read_table(path)
    return [
        {"name": n, "description": d, "product_id": int(i)}
        for n, d, i in zip(frame["name"], frame["description"], frame["productId"], strict=True)
    ]


def photos(root: Path, count: int = PHOTO_COUNT, seed: int = 0) -> list[dict]:
    """`count` test images as base64 PNG photos, `{"product_id", "image"}` with the image's index."""
    from training.category.idx import IdxError, load_split
    from training.category.photos import as_photo, encode

    directory = root / FASHION_DIR
    try:
        images = load_split(directory, "test").images
    except (IdxError, OSError) as exc:
        raise MissingData(f"Fashion-MNIST test set unreadable ({exc}): {_REMEDY}") from exc
    picks = random.Random(seed).sample(range(len(images)), count)
    return [
        {"product_id": i, "image": base64.b64encode(encode(as_photo(images[i], PHOTO_SIZE))).decode()} for i in picks
    ]
