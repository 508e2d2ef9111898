"""The shared preprocessing: Fashion-MNIST images pass unchanged, photos of any size and
polarity become Fashion-MNIST-like inputs, bad bytes are refused with a reason."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from contract.image import SIZE, photo_input, preprocess, scale_pixels
from contract.image_files import ImageError, ImageTooLarge
from tests.images import decompression_bomb
from training.category.idx import Split
from training.category.photos import as_photo, encode

LIMIT = 25_000_000


def test_fashion_mnist_images_pass_unchanged(fashion_test: Split) -> None:
    for pixels in fashion_test.images[:500]:
        assert np.array_equal(preprocess(Image.fromarray(pixels, mode="L")), scale_pixels(pixels))


def test_a_photo_comes_back_close_to_the_original(fashion_test: Split) -> None:
    pixels = fashion_test.images[0]
    back = photo_input(encode(as_photo(pixels, 112)), LIMIT)
    assert np.abs(back - scale_pixels(pixels)).mean() < 0.03  # inverted back, downscaled to 28×28


def test_light_background_is_inverted_and_aspect_ratio_kept() -> None:
    photo = np.full((100, 200), 255, dtype=np.uint8)  # white, twice as wide as high
    photo[30:70, 50:150] = 0  # a dark garment
    out = preprocess(Image.fromarray(photo, mode="L"))
    assert out.shape == (SIZE, SIZE) and out.dtype == np.float32
    assert out[:7].max() == 0.0 and out[-7:].max() == 0.0  # letterboxed in black above and below
    assert out[14, 14] > 0.9  # the garment is now light


def test_transparent_background_counts_as_white() -> None:
    rgba = np.zeros((64, 64, 4), dtype=np.uint8)  # fully transparent...
    rgba[16:48, 16:48] = (20, 20, 20, 255)  # ...around an opaque dark square
    out = preprocess(Image.fromarray(rgba, mode="RGBA"))
    assert out[0, 0] == 0.0 and out[14, 14] > 0.9


@settings(max_examples=60, deadline=None)
@given(
    width=st.integers(1, 300),
    height=st.integers(1, 300),
    mode=st.sampled_from(["L", "RGB", "RGBA", "P", "1", "I;16"]),
    seed=st.integers(0, 2**16),
)
def test_any_image_becomes_a_valid_input(width: int, height: int, mode: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    image = Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8), mode="RGB").convert(mode)
    out = photo_input(encode(image), LIMIT)
    assert out.shape == (SIZE, SIZE) and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0


def _png_with_size(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"hello, world", "not a readable PNG or JPEG"),
        (b"GIF89a" + bytes(100), "not a readable PNG or JPEG"),
        (encode(Image.new("L", (50, 50), 128))[:60], "corrupt or truncated"),
        (encode(Image.new("RGB", (80, 80), "red"), "JPEG")[:300], "corrupt or truncated"),
        (_png_with_size(0, 10), "broken header"),
        (decompression_bomb(), "6000x6000 = 36000000 pixels, limit 25000000"),
    ],
    ids=["empty", "text", "gif", "truncated png", "truncated jpeg", "zero width", "decompression bomb"],
)
def test_bad_bytes_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ImageError, match=reason):
        photo_input(data, LIMIT)


@pytest.mark.parametrize("side", [10_000, 20_000], ids=["over pillow's limit", "over twice pillow's limit"])
def test_an_image_over_pillows_own_limit_is_too_large_by_ours(side: int) -> None:
    # Pillow refuses these from the header (a warning over ~89 Mpx, an error over twice that) before
    # our check runs: still ImageTooLarge (the server's 413) naming our limit, not a corrupt image.
    with pytest.raises(ImageTooLarge, match=f"over {Image.MAX_IMAGE_PIXELS} pixels, limit {LIMIT}"):
        photo_input(_png_with_size(side, side), LIMIT)


def test_jpeg_is_accepted(fashion_test: Split) -> None:
    out = photo_input(encode(as_photo(fashion_test.images[1], 200).convert("RGB"), "JPEG"), LIMIT)
    assert out.shape == (SIZE, SIZE)
