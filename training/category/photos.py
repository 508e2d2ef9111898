"""Fashion-MNIST images made to look like product photos: dark garment on a light background,
larger than 28×28. The robustness check of every run and the HTTP tests use the same."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps

from contract.image import preprocess


def as_photo(pixels: np.ndarray, size: int) -> Image.Image:
    """A (28, 28) uint8 image, inverted and upscaled to size×size."""
    return ImageOps.invert(Image.fromarray(pixels, mode="L")).resize((size, size), Image.Resampling.BICUBIC)


def encode(image: Image.Image, image_format: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    return buffer.getvalue()


def photo_inputs(images: np.ndarray, size: int) -> np.ndarray:
    """Every image as a photo, back through the serving preprocessing: (n, 1, 28, 28) float32."""
    return np.stack([preprocess(as_photo(p, size)) for p in images])[:, None, :, :]
