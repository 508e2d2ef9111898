"""Fashion-MNIST as model-ready arrays: a fixed stratified validation split carved from the
training set, the official test set untouched until the final figures."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from contract.image import scale_pixels
from training.category.config import CategoryData
from training.category.idx import Split, load_split


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
