"""A small reader for the official Fashion-MNIST IDX files (gzip), with checks.

Every failure names the file and what was expected: a missing file, a wrong magic number
or shape, a truncated payload or a checksum that differs from SHA256SUMS.uncompressed."""

from __future__ import annotations

import gzip
import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from training.data import DataError

CHECKSUM_FILE = "SHA256SUMS.uncompressed"
IMAGE_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
LABEL_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension
SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 60_000),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 10_000),
}
SOURCES = (
    "DATA_DIR/fashion-mnist/ (the project reads it there)",
    "Debian package dataset-fashion-mnist: /usr/share/datasets/fashion-mnist/ (offline)",
    "https://github.com/zalandoresearch/fashion-mnist (upstream, data/fashion/)",
)


class IdxError(DataError):
    """An IDX file is missing, malformed, truncated or does not match its checksum."""


@dataclass(frozen=True)
class Split:
    images: np.ndarray  # (n, 28, 28) uint8, light garment on a dark background
    labels: np.ndarray  # (n,) int64 class indices, contract.fashion_groups.CLASSES order


def missing_files(directory: Path) -> list[Path]:
    """The files of the official sets absent from `directory` (an IDX file may be gzipped or not)."""
    names = [name for images, labels, _ in SPLITS.values() for name in (images, labels)]
    missing = [directory / f"{name}.gz" for name in names if not (directory / f"{name}.gz").is_file()]
    missing = [path for path in missing if not path.with_suffix("").is_file()]
    return missing + ([] if (directory / CHECKSUM_FILE).is_file() else [directory / CHECKSUM_FILE])


def read_checksums(directory: Path) -> dict[str, str]:
    path = directory / CHECKSUM_FILE
    if not path.is_file():
        raise IdxError(f"{path}: checksum file missing (expected beside the IDX files; sources: {SOURCES})")
    sums = {}
    for line in path.read_text().splitlines():
        if line.strip():
            digest, name = line.split()
            sums[name.lstrip("*")] = digest
    return sums


def _payload(path: Path, expected_sha256: str | None) -> bytes:
    gz = path.with_name(path.name + ".gz")
    source = gz if gz.is_file() else path
    if not source.is_file():
        raise IdxError(f"{gz}: file missing (sources: {'; '.join(SOURCES)})")
    try:
        data = gzip.decompress(source.read_bytes()) if source is gz else source.read_bytes()
    except (OSError, EOFError) as exc:
        raise IdxError(f"{source}: not a readable gzip file ({exc}); the download may be truncated") from exc
    if expected_sha256 is not None:
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected_sha256:
            raise IdxError(f"{source}: sha256 of the uncompressed data is {actual}, expected {expected_sha256}")
    return data


def read_idx(path: Path, magic: int, shape_tail: tuple[int, ...], expected_sha256: str | None = None) -> np.ndarray:
    """Read `path` (or `path`.gz) as unsigned bytes with `len(shape_tail) + 1` dimensions."""
    data = _payload(path, expected_sha256)
    dims = len(shape_tail) + 1
    header = 4 + 4 * dims
    if len(data) < header:
        raise IdxError(f"{path}: {len(data)} bytes, shorter than the {header}-byte IDX header")
    (found,) = struct.unpack(">i", data[:4])
    if found != magic:
        raise IdxError(f"{path}: magic number {found}, expected {magic} (unsigned bytes, {dims} dimensions)")
    shape = struct.unpack(f">{dims}i", data[4:header])
    if tuple(shape[1:]) != shape_tail:
        raise IdxError(f"{path}: item shape {shape[1:]}, expected {shape_tail}")
    expected_bytes = header + int(np.prod(shape))
    if len(data) != expected_bytes:
        raise IdxError(f"{path}: {len(data)} bytes, expected {expected_bytes} for shape {shape} (truncated?)")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def load_split(directory: Path, split: str, verify: bool = True) -> Split:
    images_name, labels_name, count = SPLITS[split]
    sums = read_checksums(directory) if verify else {}
    images = read_idx(directory / images_name, IMAGE_MAGIC, (28, 28), sums.get(images_name) if verify else None)
    labels = read_idx(directory / labels_name, LABEL_MAGIC, (), sums.get(labels_name) if verify else None)
    if verify and (images_name not in sums or labels_name not in sums):
        raise IdxError(f"{directory / CHECKSUM_FILE}: no checksum for {images_name} or {labels_name}")
    if len(images) != len(labels) or len(images) != count:
        raise IdxError(f"{directory}: {split} has {len(images)} images and {len(labels)} labels, expected {count}")
    if labels.max() > 9:
        raise IdxError(f"{directory / labels_name}: label {labels.max()} out of range 0..9")
    return Split(images=images, labels=labels.astype(np.int64))
