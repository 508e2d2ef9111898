"""Where the data sets are (`DATA_DIR`), and the error every model raises when a data file is
missing, empty or breaks its schema."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_HINT = "set DATA_DIR to the folder holding asos/ and fashion-mnist/ (see README)"


class DataError(Exception):
    """A data file is missing, empty, or breaks the expected schema."""


def data_dir() -> Path:
    return Path(os.environ.get("DATA_DIR", "data"))


def missing_data_file(path: Path) -> DataError:
    return DataError(f"data file {path} not found: {DATA_DIR_HINT}")
