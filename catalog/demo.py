"""`catalog load-demo`: a realistic catalogue from the ASOS TSVs (train and test products)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from catalog.errors import CatalogError
from catalog.schema import image, product, product_description
from catalog.upsert import insert_ignoring_existing

TSV_FILES = ("asos/exercise_train.tsv", "asos/exercise_test.tsv")
IMAGE_COLUMNS = ("imageURL1", "imageURL2", "imageURL3", "imageURL4")  # image_index 0..3
DEMO_COUNTRY = "us"  # the descriptions are English originals, with no translation
COLUMNS = ("productId", "name", "description", *IMAGE_COLUMNS)


def check_demo_files(data_dir: Path) -> None:
    """The TSVs are there: checked before the database is touched."""
    for name in TSV_FILES:
        path = data_dir / name
        if not path.is_file():
            raise CatalogError(f"data file {path} not found: set DATA_DIR to the folder holding asos/ (see README)")


def _read(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_table(path)
    except pd.errors.EmptyDataError:
        raise CatalogError(f"{path}: file is empty: expected an ASOS TSV with columns {list(COLUMNS)}") from None
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise CatalogError(f"{path}: missing columns {missing}: expected an ASOS TSV (DATA_DIR/asos/, see README)")
    return frame


def load_demo(engine: Engine, data_dir: Path) -> dict[str, int]:
    """Insert every product with its images and description; re-running adds nothing twice."""
    check_demo_files(data_dir)
    frame = pd.concat([_read(data_dir / name) for name in TSV_FILES], ignore_index=True)
    products = [
        {"product_id": int(pid), "title": title} for pid, title in zip(frame["productId"], frame["name"], strict=True)
    ]
    images = [
        {"product_id": int(pid), "url": url, "image_index": index}
        for index, column in enumerate(IMAGE_COLUMNS)
        for pid, url in zip(frame["productId"], frame[column], strict=True)
        if isinstance(url, str) and url
    ]
    descriptions = [
        {"product_id": int(pid), "country_code": DEMO_COUNTRY, "original_text": text, "translated_text": None}
        for pid, text in zip(frame["productId"], frame["description"], strict=True)
    ]
    with engine.begin() as connection:
        return {
            "products": insert_ignoring_existing(connection, product, products),
            "images": insert_ignoring_existing(connection, image, images),
            "descriptions": insert_ignoring_existing(connection, product_description, descriptions),
        }
