"""Loading the product TSVs with the schema checks a data scientist needs to trust a run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from contract.text import TextProduct, product_text

TEXT_FIELDS = ("name", "description")
DATA_DIR_HINT = "set DATA_DIR to the folder holding asos/ and fashion-mnist/ (see README)"


class DataError(Exception):
    """A data file is missing, empty, or breaks the expected schema."""


def missing_data_file(path: Path) -> DataError:
    return DataError(f"data file {path} not found: {DATA_DIR_HINT}")


@dataclass(frozen=True)
class Products:
    path: Path
    ids: list[str]
    products: list[TextProduct]
    texts: list[str]  # product_text of each product: what the pipeline is fit on
    labels: list[str] | None  # None for the unlabelled test set


def load_products(
    path: Path, id_column: str, label_column: str | None = None, labels: list[str] | None = None
) -> Products:
    frame = _read(path)
    required = [*TEXT_FIELDS, id_column] + ([label_column] if label_column else [])
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(f"{path}: missing columns {missing}; found {list(frame.columns)}")
    _check_no_missing_values(path, frame, required)
    products = [TextProduct(n, d) for n, d in zip(frame["name"], frame["description"], strict=True)]
    texts = [product_text(p.name, p.description) for p in products]
    ids = frame[id_column].astype(str).tolist()
    if label_column is None:
        return Products(path, ids, products, texts, None)
    y = frame[label_column].astype(str).tolist()
    if labels is not None:
        unknown = sorted(set(y) - set(labels))
        if unknown:
            raise DataError(f"{path}: unknown labels {unknown} in {label_column!r}; expected {labels}")
    return Products(path, ids, products, texts, y)


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise missing_data_file(path)
    try:
        # Default quoting, as the prototype parsed it: some descriptions contain quotes.
        frame = pd.read_table(path)
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{path}: file is empty") from exc
    if frame.empty:
        raise DataError(f"{path}: no rows after the header")
    return frame


def _check_no_missing_values(path: Path, frame: pd.DataFrame, columns: list[str]) -> None:
    for column in columns:
        missing = frame.index[frame[column].isna()]
        if len(missing):
            rows = [int(i) + 2 for i in missing[:5]]  # +2: header line and 1-based lines
            raise DataError(f"{path}: {len(missing)} missing values in column {column!r} (lines {rows})")
