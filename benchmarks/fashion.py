"""Fashion-MNIST test images as product photos (dark garment on a light background, upscaled),
for the request bodies of the benchmarks and the load test.

Reads the test images itself rather than through training code: the benchmarks and the load test
exercise the server and must not depend on the training side. The photo recipe is the one of
training/category/photos.py, which the category tests and the robustness check use."""

from __future__ import annotations

import gzip
import hashlib
import io
import struct
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

IMAGES_FILE = "t10k-images-idx3-ubyte"
CHECKSUM_FILE = "SHA256SUMS.uncompressed"
IMAGE_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
TEST_IMAGES = 10_000
SIDE = 28


class FashionDataError(Exception):
    """The Fashion-MNIST test images are missing, malformed or do not match their checksum."""


def load_test_images(directory: Path) -> np.ndarray:
    """The 10,000 test images, (n, 28, 28) uint8, checked against SHA256SUMS.uncompressed."""
    data = _read(directory / IMAGES_FILE)
    expected = _checksums(directory).get(IMAGES_FILE)
    if expected is None:
        raise FashionDataError(f"{directory / CHECKSUM_FILE}: no checksum for {IMAGES_FILE}")
    if hashlib.sha256(data).hexdigest() != expected:
        raise FashionDataError(f"{directory / IMAGES_FILE}: sha256 differs from {CHECKSUM_FILE}")
    header = 16
    magic, count, rows, cols = struct.unpack(">4i", data[:header]) if len(data) >= header else (0, 0, 0, 0)
    if (magic, count, rows, cols) != (IMAGE_MAGIC, TEST_IMAGES, SIDE, SIDE) or len(data) != header + count * SIDE**2:
        raise FashionDataError(f"{directory / IMAGES_FILE}: not the {TEST_IMAGES} test images of 28×28 bytes")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(count, SIDE, SIDE)


def as_photo(pixels: np.ndarray, size: int) -> Image.Image:
    """A (28, 28) uint8 image, inverted and upscaled to size×size."""
    return ImageOps.invert(Image.fromarray(pixels, mode="L")).resize((size, size), Image.Resampling.BICUBIC)


def encode(image: Image.Image, image_format: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    return buffer.getvalue()


def _read(path: Path) -> bytes:
    gz = path.with_name(path.name + ".gz")  # the official files are gzipped; a plain copy also does
    source = gz if gz.is_file() else path
    if not source.is_file():
        raise FashionDataError(f"{gz}: file missing")
    try:
        return gzip.decompress(source.read_bytes()) if source is gz else source.read_bytes()
    except (OSError, EOFError) as exc:
        raise FashionDataError(f"{source}: not a readable gzip file ({exc})") from exc


def _checksums(directory: Path) -> dict[str, str]:
    path = directory / CHECKSUM_FILE
    if not path.is_file():
        raise FashionDataError(f"{path}: checksum file missing")
    pairs = (line.split() for line in path.read_text().splitlines() if line.strip())
    return {name.lstrip("*"): digest for digest, name in pairs}
