"""How a product photo becomes the category model's input, shared by training-time
evaluation and the server (Pillow and numpy only).

Fashion-MNIST images are 28×28 grayscale, the garment light on a black background, the
longest side filling the frame. Product photos are usually a dark garment on white, of any
size. So: decode, grayscale, detect the background from the border and invert when it is
light, fit the longest side into 28 pixels keeping the aspect ratio, centre on black, scale
to [0, 1]. A 28×28 Fashion-MNIST image passes through unchanged (only scaled)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageOps

from contract.image_files import ACCEPTED_FORMATS, decode_image
from contract.inputs import ImageInput

SIZE = 28
# Border pixels brighter than this on average mean a light background (photo polarity).
LIGHT_BACKGROUND = 128
# Large JPEGs are decoded at a reduced scale, still at least this many pixels on the shorter side.
DRAFT_SIZE = 4 * SIZE


def image_input(onnx_input: str) -> ImageInput:
    return ImageInput(
        height=SIZE,
        width=SIZE,
        channels=1,
        value_range=[0.0, 1.0],
        polarity="light garment on a black background (Fashion-MNIST); light-background photos are inverted",
        recipe="contract.image.preprocess: grayscale, invert if the border is light, fit 28x28 keeping aspect, /255",
        accepted_formats=list(ACCEPTED_FORMATS),
        onnx_input=onnx_input,
        onnx_input_shape=["batch", "1", str(SIZE), str(SIZE)],
    )


def photo_input(data: bytes, max_pixels: int) -> np.ndarray:
    """PNG or JPEG bytes → (28, 28) model input: what the server does to each product photo."""
    return preprocess(decode_image(data, max_pixels, DRAFT_SIZE))


def preprocess(image: Image.Image) -> np.ndarray:
    """Any decoded image → (28, 28) float32 in [0, 1], Fashion-MNIST polarity."""
    gray = _flatten_alpha(image).convert("L")
    if _border_mean(gray) >= LIGHT_BACKGROUND:
        gray = ImageOps.invert(gray)
    if gray.size != (SIZE, SIZE):
        gray = _fit(gray)
    return scale_pixels(np.asarray(gray))


def scale_pixels(pixels: np.ndarray) -> np.ndarray:
    """uint8 pixels (any shape) → float32 in [0, 1]: the last step for photos and for the
    Fashion-MNIST arrays training and evaluation read directly."""
    return pixels.astype(np.float32) / np.float32(255.0)


def _flatten_alpha(image: Image.Image) -> Image.Image:
    # Transparent areas of a cut-out product photo are background: composite onto white.
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba)
    return image


def _border_mean(gray: Image.Image) -> float:
    pixels = np.asarray(gray)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    return float(border.mean())


def _fit(gray: Image.Image) -> Image.Image:
    width, height = gray.size
    scale = SIZE / max(width, height)
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = gray.resize(new_size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    canvas = Image.new("L", (SIZE, SIZE), 0)
    canvas.paste(resized, ((SIZE - new_size[0]) // 2, (SIZE - new_size[1]) // 2))
    return canvas
