"""Fashion-MNIST as model-ready arrays: a fixed stratified validation split carved from the
training set, the official test set untouched until the final figures; and the check, before a
run starts, that the files a config names are there."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from contract.image import scale_pixels
from training.category.config import CategoryConfig, CategoryData
from training.category.idx import CHECKSUM_FILE, Split, load_split, missing_files
from training.config import ConfigError, blame
from training.data import DataError, data_dir, missing_data_file


@dataclass(frozen=True)
class Dataset:
    images: np.ndarray  # (n, 28, 28) uint8
    classes: np.ndarray  # (n,) int64

    def inputs(self) -> np.ndarray:
        """(n, 1, 28, 28) float32 in [0, 1], through the serving contract's scaling."""
        return scale_pixels(self.images)[:, None, :, :]


@dataclass(frozen=True)
class FashionData:
    train: Dataset
    validation: Dataset
    test: Dataset


def stratified_indices(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(kept, taken): `fraction` of each class taken, at random but fixed by `seed`."""
    rng = np.random.default_rng(seed)
    taken = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        taken.append(rng.choice(members, size=round(len(members) * fraction), replace=False))
    taken_idx = np.sort(np.concatenate(taken))
    kept_idx = np.setdiff1d(np.arange(len(labels)), taken_idx)
    return kept_idx, taken_idx


def _subset(split: Split, limit: int, seed: int) -> Split:
    if not limit or limit >= len(split.labels):
        return split
    _, keep = stratified_indices(split.labels, limit / len(split.labels), seed)
    return Split(split.images[keep], split.labels[keep])


def load_data(data_dir: Path, config: CategoryData) -> FashionData:
    directory = data_dir / config.directory
    train = _subset(load_split(directory, "train"), config.train_limit, config.split_seed)
    test = _subset(load_split(directory, "test"), config.test_limit, config.split_seed)
    kept, held = stratified_indices(train.labels, config.validation_fraction, config.split_seed)
    return FashionData(
        train=Dataset(train.images[kept], train.labels[kept]),
        validation=Dataset(train.images[held], train.labels[held]),
        test=Dataset(test.images, test.labels),
    )


def check_data(config: CategoryConfig, source: Path | None, overrides: list[str]) -> None:
    """The Fashion-MNIST files are there: the config's directory, and when exporting (no
    `source`) the full official sets the gate scores. With a `source` (the config file), a
    directory missing beside an existing fashion-mnist/ is blamed on data.directory."""
    directories = {config.data.directory} | ({"fashion-mnist"} if source is None else set())  # export: full sets
    for directory in sorted(directories):
        _require_fashion(data_dir(), directory, source, overrides)


def _require_fashion(root: Path, name: str, source: Path | None, overrides: list[str]) -> None:
    directory = root / name
    missing = missing_files(directory)
    if not missing:
        return
    if not directory.is_dir():
        if source is not None and name != "fashion-mnist" and (root / "fashion-mnist").is_dir():
            raise ConfigError(
                f"{blame(source, overrides, ['data.directory'])}: {directory} not found: "
                f"data.directory is relative to DATA_DIR ({root}): fix data.directory"
            )
        raise missing_data_file(missing[0])
    raise DataError(
        f"data file {missing[0]} not found: put the four Fashion-MNIST IDX files (gzip) and {CHECKSUM_FILE} "
        f"in {directory} (see README)"
    )
