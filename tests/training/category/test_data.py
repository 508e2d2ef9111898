"""The IDX reader on the real files and on corrupt ones; the brief's grouping."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

from contract.fashion_groups import CLASS_TO_GROUP, CLASSES, GROUP_MEMBERS, GROUPS, group_of, grouping_matrix, to_groups
from training.category.config import CategoryData
from training.category.data import load_data, stratified_indices
from training.category.idx import CHECKSUM_FILE, IdxError, load_split, read_idx


def test_reads_the_official_files(fashion_dir: Path) -> None:
    train, test = load_split(fashion_dir, "train"), load_split(fashion_dir, "test")
    assert train.images.shape == (60_000, 28, 28) and test.images.shape == (10_000, 28, 28)
    assert train.images.dtype == np.uint8
    assert np.bincount(train.labels).tolist() == [6000] * 10
    assert np.bincount(test.labels).tolist() == [1000] * 10


def test_groups_are_the_briefs() -> None:
    assert GROUPS == ("Upper part", "Bottom part", "One piece", "Footwear", "Bags")
    members = sorted(c for names in GROUP_MEMBERS.values() for c in names)
    assert members == sorted(CLASSES)  # every class in exactly one group
    assert [group_of(i) for i in range(10)] == [
        "Upper part", "Bottom part", "Upper part", "One piece", "Upper part",
        "Footwear", "Upper part", "Footwear", "Bags", "Footwear",
    ]  # fmt: skip
    matrix = grouping_matrix()
    assert matrix.sum(axis=1).tolist() == [1.0] * 10
    assert (matrix.argmax(axis=1) == CLASS_TO_GROUP).all()


def test_grouped_training_set_is_imbalanced(fashion_dir: Path) -> None:
    counts = np.bincount(to_groups(load_split(fashion_dir, "train").labels))
    assert counts.tolist() == [24_000, 6_000, 6_000, 18_000, 6_000]


def test_validation_split_is_fixed_stratified_and_disjoint(fashion_dir: Path) -> None:
    first = load_data(fashion_dir.parent, CategoryData())
    again = load_data(fashion_dir.parent, CategoryData())
    assert np.array_equal(first.validation.images, again.validation.images)
    assert len(first.validation.classes) == 6000 and len(first.train.classes) == 54_000
    assert np.bincount(first.validation.classes).tolist() == [600] * 10
    kept, taken = stratified_indices(load_split(fashion_dir, "train").labels, 0.1, CategoryData().split_seed)
    assert not set(kept) & set(taken) and len(kept) + len(taken) == 60_000
    other = load_data(fashion_dir.parent, CategoryData(split_seed=7))
    assert not np.array_equal(first.validation.images, other.validation.images)


# --- corrupt files ------------------------------------------------------------------------


def _write_idx(path: Path, magic: int, shape: tuple[int, ...], payload: bytes) -> bytes:
    raw = struct.pack(f">i{len(shape)}i", magic, *shape) + payload
    path.with_name(path.name + ".gz").write_bytes(gzip.compress(raw))
    return raw


@pytest.fixture
def copy_of_test_split(tmp_path: Path, fashion_dir: Path) -> Path:
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", CHECKSUM_FILE):
        shutil.copy(fashion_dir / name, tmp_path / name)
    return tmp_path


def test_copy_reads(copy_of_test_split: Path) -> None:
    assert len(load_split(copy_of_test_split, "test").labels) == 10_000


def test_missing_file_is_named(copy_of_test_split: Path) -> None:
    (copy_of_test_split / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(IdxError, match=r"t10k-labels-idx1-ubyte\.gz: file missing.*dataset-fashion-mnist"):
        load_split(copy_of_test_split, "test")


def test_truncated_gzip_is_named(copy_of_test_split: Path) -> None:
    path = copy_of_test_split / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:50_000])
    with pytest.raises(IdxError, match=r"t10k-images-idx3-ubyte\.gz: not a readable gzip file.*truncated"):
        load_split(copy_of_test_split, "test")


def test_checksum_mismatch_is_named(copy_of_test_split: Path) -> None:
    path = copy_of_test_split / "t10k-images-idx3-ubyte"
    raw = bytearray(gzip.decompress(path.with_name(path.name + ".gz").read_bytes()))
    raw[-1] ^= 0xFF  # one pixel changed: shape and magic still right
    path.with_name(path.name + ".gz").write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(IdxError, match=r"sha256 of the uncompressed data is [0-9a-f]{64}, expected 5b4141f0"):
        load_split(copy_of_test_split, "test")


def test_missing_checksum_file(copy_of_test_split: Path) -> None:
    (copy_of_test_split / CHECKSUM_FILE).unlink()
    with pytest.raises(IdxError, match="checksum file missing"):
        load_split(copy_of_test_split, "test")


def test_wrong_magic(tmp_path: Path) -> None:
    _write_idx(tmp_path / "x", 2049, (2, 28, 28), bytes(2 * 784))
    with pytest.raises(IdxError, match="magic number 2049, expected 2051"):
        read_idx(tmp_path / "x", 2051, (28, 28))


def test_wrong_item_shape(tmp_path: Path) -> None:
    _write_idx(tmp_path / "x", 2051, (2, 32, 32), bytes(2 * 1024))
    with pytest.raises(IdxError, match=r"item shape \(32, 32\), expected \(28, 28\)"):
        read_idx(tmp_path / "x", 2051, (28, 28))


def test_truncated_payload(tmp_path: Path) -> None:
    raw = _write_idx(tmp_path / "x", 2051, (3, 28, 28), bytes(2 * 784))
    with pytest.raises(IdxError, match=r"expected 2368 for shape \(3, 28, 28\) \(truncated\?\)"):
        read_idx(tmp_path / "x", 2051, (28, 28), hashlib.sha256(raw).hexdigest())


def test_short_header(tmp_path: Path) -> None:
    (tmp_path / "x.gz").write_bytes(gzip.compress(b"\x00\x00"))
    with pytest.raises(IdxError, match="shorter than the 16-byte IDX header"):
        read_idx(tmp_path / "x", 2051, (28, 28))
