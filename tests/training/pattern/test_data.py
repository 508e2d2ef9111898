from __future__ import annotations

from pathlib import Path

import pytest

from training.data import DataError
from training.pattern.data import load_products

HEADER = "productId\tdescription\tname\tpattern\tproductIdentifier\n"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "products.tsv"
    path.write_text(text)
    return path


def test_loads_products_and_builds_model_text(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + "1\tSize 10 dress;Red\tFloral 2020 Dress\tFloral\tabc\n")
    products = load_products(path, "productIdentifier", "pattern", ["Floral"])
    assert products.ids == ["abc"] and products.labels == ["Floral"]
    assert products.texts == ["Floral  Dress;Size  dress;Red"]
    assert products.products[0].name == "Floral 2020 Dress"


def test_missing_file_names_data_dir(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        load_products(tmp_path / "absent.tsv", "productIdentifier")
    assert str(info.value) == (
        f"data file {tmp_path / 'absent.tsv'} not found: "
        "set DATA_DIR to the folder holding asos/ and fashion-mnist/ (see README)"
    )


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file is empty"):
        load_products(_write(tmp_path, ""), "productIdentifier")
    with pytest.raises(DataError, match="no rows after the header"):
        load_products(_write(tmp_path, HEADER), "productIdentifier")


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = _write(tmp_path, "productId\tname\n1\tx\n")
    with pytest.raises(DataError, match=r"missing columns \['description', 'productIdentifier'\]"):
        load_products(path, "productIdentifier")


def test_missing_values_name_column_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + "1\tok\tname\tFloral\ta\n2\t\tname\tFloral\tb\n")
    with pytest.raises(DataError, match=r"1 missing values in column 'description' \(lines \[3\]\)"):
        load_products(path, "productIdentifier", "pattern")


def test_unknown_labels_are_named(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + "1\td\tn\tPaisley\ta\n")
    with pytest.raises(DataError, match=r"unknown labels \['Paisley'\]"):
        load_products(path, "productIdentifier", "pattern", ["Floral", "Stripe"])
