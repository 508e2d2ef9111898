"""How a product photo becomes the category model's input, shared by training-time
evaluation and the server (Pillow and numpy only).

Fashion-MNIST images are 28×28 grayscale, the garment light on a black background, the
longest side filling the frame. Product photos are usually a dark garment on white, of any
size. So: decode, grayscale, detect the background from the border and invert when it is
light, fit the longest side into 28 pixels keeping the aspect ratio, centre on black, scale
to [0, 1]. A 28×28 Fashion-MNIST image passes through unchanged (only scaled)."""

from __future__ import annotations

import io
import warnings

import msgspec
import numpy as np
from PIL import Image, ImageOps

SIZE = 28
ACCEPTED_FORMATS = ("PNG", "JPEG")
# Border pixels brighter than this on average mean a light background (photo polarity).
LIGHT_BACKGROUND = 128
DRAFT_SIZE = 4 * SIZE


class ImageInput(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="kind", tag="image"):
    """Input contract of an image model, recorded in the artifact metadata."""

    height: int
    width: int
    channels: int
    value_range: list[float]
    polarity: str
    recipe: str
    accepted_formats: list[str]
    onnx_input: str
    onnx_input_shape: list[str]


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


class ImageError(Exception):
    """Bytes that are not an acceptable image; the message says what is wrong."""


class ImageTooLarge(ImageError):
    """An image over the pixel limit (read from its header, before decoding)."""


def decode_image(data: bytes, max_pixels: int) -> Image.Image:
    """Decode PNG or JPEG bytes fully, refusing empty, unknown, truncated and oversized images."""
    return load_image(open_image(data, max_pixels))


def open_image(data: bytes, max_pixels: int) -> Image.Image:
    """Read only the header: format, size, and for JPEG the reduced scale it will decode at.
    The returned image's `size` is what `load_image` will decode, so a caller can budget the
    pixels of many images before decoding any."""
    if not data:
        raise ImageError("image is empty (zero bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
            width, height = image.size
            if width * height > max_pixels:  # checked from the header, before decoding any pixel
                raise ImageTooLarge(f"image is {width}x{height} = {width * height} pixels, limit {max_pixels}")
            if width == 0 or height == 0:
                raise ImageError(f"image has zero size ({width}x{height})")
            # JPEG can decode at 1/2, 1/4 or 1/8 scale straight from the DCT: a large photo becomes
            # 8x cheaper to decode, still at least DRAFT_SIZE pixels on its shorter side.
            image.draft("L", (DRAFT_SIZE, DRAFT_SIZE))
    except ImageError:
        raise
    except _PILLOW_ERRORS as exc:
        raise _image_error(exc) from exc
    return image


def load_image(image: Image.Image) -> Image.Image:
    """Decode the pixels of an image from `open_image`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except _PILLOW_ERRORS as exc:
        raise _image_error(exc) from exc
    return image


# What Pillow raises for bad bytes: bombs, unknown formats, truncated or corrupt data.
_PILLOW_ERRORS = (Image.DecompressionBombError, Image.DecompressionBombWarning, OSError, SyntaxError, ValueError)


def _image_error(exc: Exception) -> ImageError:
    """Pillow's many exceptions for bad bytes → one ImageError saying what is wrong."""
    if isinstance(exc, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        return ImageError(f"image refused as a decompression bomb: {exc}")
    if isinstance(exc, Image.UnidentifiedImageError):
        formats = " or ".join(ACCEPTED_FORMATS)
        return ImageError(f"not a readable {formats} image (unknown format or broken header)")
    return ImageError(f"image data is corrupt or truncated: {exc}")


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
