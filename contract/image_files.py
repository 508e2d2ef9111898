"""Image files from untrusted bytes: PNG or JPEG only, sizes checked from the header before any
pixel is decoded, every way Pillow can fail turned into one ImageError saying what is wrong."""

from __future__ import annotations

import binascii
import io
import warnings

from PIL import Image

ACCEPTED_FORMATS = ("PNG", "JPEG")
# width × height read from the header; larger is refused before decoding (decompression bombs).
# The server's default (SERVE_MAX_IMAGE_PIXELS) and what offline readers of photos use.
MAX_IMAGE_PIXELS = 25_000_000
# One image file's bytes (after base64 decoding, or as fetched): the server's default
# (SERVE_MAX_IMAGE_BYTES) and the catalogue jobs' (--max-image-bytes).
MAX_IMAGE_BYTES = 4 << 20


def base64_image_bytes(text: str) -> bytes:
    """Standard base64 (padded), optionally behind a `data:image/...;base64,` prefix → bytes."""
    if text.startswith("data:"):
        text = text.partition(",")[2]
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        raise ImageError(f"not valid base64: {exc}") from exc


class ImageError(Exception):
    """Bytes that are not an acceptable image; the message says what is wrong."""


class ImageTooLarge(ImageError):
    """An image over the pixel limit (read from its header, before decoding)."""


def decode_image(data: bytes, max_pixels: int, draft_size: int) -> Image.Image:
    """Decode PNG or JPEG bytes fully, refusing empty, unknown, truncated and oversized images."""
    return load_image(open_image(data, max_pixels, draft_size))


def open_image(data: bytes, max_pixels: int, draft_size: int) -> Image.Image:
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
            # 8x cheaper to decode, still at least draft_size pixels on its shorter side.
            image.draft("L", (draft_size, draft_size))
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own limit (Image.MAX_IMAGE_PIXELS, ~89 Mpx) fired on the header before ours could:
        # the effective limit is the smaller of the two.
        pillow_limit = Image.MAX_IMAGE_PIXELS or max_pixels  # None would have turned Pillow's check off
        raise ImageTooLarge(f"image is over {pillow_limit} pixels, limit {min(max_pixels, pillow_limit)}") from exc
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
