"""The brief's extraction query on SQLite and on a real PostgreSQL, edge cases included."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import insert, inspect

from catalog.connection import make_engine
from catalog.queries import EXTRACT_SQL, extract_products
from catalog.schema import create_schema, image, product, product_description
from tests.conftest import ROOT
from tests.databases import database_url

KINDS = ["sqlite", "postgresql"]

PRODUCTS = [
    (1, "No image, no description"),
    (2, "Images but none at index 0"),
    (3, "Several images, shuffled"),
    (4, "Only a non-us description"),
    (5, "Both texts"),
    (6, "Null translation"),
    (7, "us and gb descriptions"),
]
IMAGES = [
    (2, "https://img/2-1", 1),
    (2, "https://img/2-2", 2),
    (3, "https://img/3-2", 2),
    (3, "https://img/3-0", 0),
    (3, "https://img/3-1", 1),
    (5, "https://img/5-0", 0),
    (7, "https://img/7-0", 0),
]
DESCRIPTIONS = [
    (4, "gb", "Floral midi", None),
    (5, "us", "Robe à fleurs", "Floral dress"),
    (6, "us", "Striped dress", None),
    (7, "gb", "British text", "British translation"),
    (7, "us", "US text", None),
]
EXPECTED_US = [
    {"product_id": 1, "title": "No image, no description", "image_url": None, "description": None},
    {"product_id": 2, "title": "Images but none at index 0", "image_url": None, "description": None},
    {"product_id": 3, "title": "Several images, shuffled", "image_url": "https://img/3-0", "description": None},
    {"product_id": 4, "title": "Only a non-us description", "image_url": None, "description": None},
    {"product_id": 5, "title": "Both texts", "image_url": "https://img/5-0", "description": "Floral dress"},
    {"product_id": 6, "title": "Null translation", "image_url": None, "description": "Striped dress"},
    {"product_id": 7, "title": "us and gb descriptions", "image_url": "https://img/7-0", "description": "US text"},
]


def fill(engine) -> None:  # noqa: ANN001
    create_schema(engine)
    with engine.begin() as c:
        c.execute(insert(product), [{"product_id": i, "title": t} for i, t in PRODUCTS])
        c.execute(insert(image), [{"product_id": p, "url": u, "image_index": k} for p, u, k in IMAGES])
        c.execute(
            insert(product_description),
            [
                {"product_id": p, "country_code": cc, "original_text": o, "translated_text": t}
                for p, cc, o, t in DESCRIPTIONS
            ],
        )


@pytest.fixture(params=KINDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path):
    with database_url(request.param, tmp_path) as url:
        engine = make_engine(url)
        fill(engine)
        yield engine
        engine.dispose()


def test_one_row_per_product_with_image_zero_and_us_description(engine) -> None:  # noqa: ANN001
    assert [dict(r) for r in extract_products(engine, "us")] == EXPECTED_US


def test_query_is_parameterised_by_country(engine) -> None:  # noqa: ANN001
    gb = {r["product_id"]: r["description"] for r in extract_products(engine, "GB")}
    assert gb == {1: None, 2: None, 3: None, 4: "Floral midi", 5: None, 6: None, 7: "British translation"}


def test_streaming_in_small_chunks_gives_the_same_rows(engine) -> None:  # noqa: ANN001
    assert [dict(r) for r in extract_products(engine, "us", chunk_size=2)] == EXPECTED_US


def test_schema_creation_is_idempotent_and_has_the_query_indexes(engine) -> None:  # noqa: ANN001
    create_schema(engine)  # again: nothing changes, nothing fails
    inspector = inspect(engine)
    uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("image")}
    assert ("product_id", "image_index") in uniques
    uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("product_description")}
    assert ("product_id", "country_code") in uniques
    assert [dict(r) for r in extract_products(engine, "us")] == EXPECTED_US


def test_a_row_needs_only_the_briefs_columns(engine) -> None:  # noqa: ANN001
    with engine.begin() as c:
        c.execute(insert(product).values(product_id=99, title="Only brief columns"))
    assert any(r["product_id"] == 99 for r in extract_products(engine))


def test_docs_answer_contains_the_executed_sql() -> None:
    answer = (ROOT / "docs" / "catalog-query.md").read_text()
    body = "\n".join(line for line in EXTRACT_SQL.splitlines() if not line.startswith("--")).strip()
    assert body in answer
    assert re.search(r"COALESCE\(d\.translated_text, d\.original_text\)", answer)
