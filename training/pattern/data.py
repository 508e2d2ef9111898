"""The pattern model's data: the product TSVs, loaded with the schema checks a data scientist
needs to trust a run, and checked against the config before a run starts."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from contract.text import TextProduct, product_text
from training.config import ConfigError, blame
from training.data import DataError, data_dir, missing_data_file
from training.fields import FieldError
from training.pattern.config import PatternConfig

TEXT_FIELDS = ("name", "description")


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


def load_data(config: PatternConfig) -> tuple[Products, Products]:
    """The labelled training products and the unlabelled test products the config names."""
    root = data_dir()
    data = config.data
    train = load_products(root / data.train_file, data.id_column, data.label_column, data.labels)
    test = load_products(root / data.test_file, data.id_column)
    return train, test


def check_data(config: PatternConfig, source: Path | None, overrides: list[str]) -> None:
    """The data files are there and, for a config being trained (`source`: its file), fit it;
    a file missing from a folder that exists is blamed on the config field naming it."""
    root = data_dir()
    for field, name in (("data.train_file", config.data.train_file), ("data.test_file", config.data.test_file)):
        path = root / name
        if path.is_file():
            continue
        if source is not None and (path.parent.is_dir() or (root / "asos").is_dir()):
            raise ConfigError(
                f"{blame(source, overrides, [field])}: data file {path} not found: "
                f"{field} is relative to DATA_DIR ({root}): fix {field}"
            )
        raise missing_data_file(path)
    if source is not None:
        train, _ = load_data(config)
        try:
            check_against_data(config, train)
        except FieldError as exc:
            raise ConfigError(f"{blame(source, overrides, exc.fields)}: {exc}") from exc


def check_against_data(config: PatternConfig, train: Products) -> None:
    """Refuse, before any fit, folds and a hold-out split these training products cannot give:
    scikit-learn would only fail once the run is under way. Raises FieldError naming the field."""
    counts = Counter(train.labels or [])
    n, classes, largest = len(train.texts), len(counts), max(counts.values(), default=0)
    folds_of = {"search.n_splits": config.search.n_splits, "evaluation.cv_folds": config.evaluation.cv_folds}
    for field, folds in folds_of.items():
        if folds > largest:
            raise FieldError(
                f"{field}={folds} stratified folds cannot be made from {train.path}, whose most common label has "
                f"{largest} products: use at most {largest}",
                field,
            )
    fraction = config.evaluation.holdout_fraction
    held = math.ceil(fraction * n)  # as train_test_split rounds it
    if held < classes or n - held < classes:
        low, high = math.ceil(classes / n * 1e4) / 1e4, math.floor((n - classes) / n * 1e4) / 1e4
        raise FieldError(
            f"evaluation.holdout_fraction={fraction} splits the {n} training products into {n - held} + {held}, "
            f"and a stratified split needs at least one product of each of the {classes} labels on both sides: "
            f"use a fraction from {low} to {high}",
            "evaluation.holdout_fraction",
        )
