"""Image bytes the tests share."""

from __future__ import annotations

import io

from PIL import Image


def decompression_bomb() -> bytes:
    """A 6000×6000 PNG (36 Mpixel) in ~35 kB: small on the wire, huge once decoded."""
    buffer = io.BytesIO()
    Image.new("L", (6000, 6000)).save(buffer, "PNG")
    return buffer.getvalue()


def large_png(width: int = 4999, height: int = 5000) -> bytes:
    """A 25-megapixel greyscale PNG in ~40 kB: legal (at the per-image pixel limit), small on the
    wire, ~0.16 s of decoding and fitting here."""
    import numpy as np

    pixels = np.zeros((height, width), np.uint8)
    pixels[::50] = 255
    pixels[:, ::70] = 128
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()


def large_jpeg(width: int = 1600, height: int = 1600) -> bytes:
    """A 2.5-megapixel RGB JPEG, a dark block on white, in ~40 kB: 256 of them fit one request."""
    image = Image.new("RGB", (width, height), (255, 255, 255))
    image.paste((30, 30, 30), (width // 4, height // 4, 3 * width // 4, 3 * height // 4))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=50)
    return buffer.getvalue()
