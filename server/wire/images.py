"""Encoded product photos → (n, 1, 28, 28) model inputs, with the image limits, for every route
that takes photos (the brief's `/predict/category`, the V2 `image` input). Every header is read
and the request's pixel budget checked before any pixel is decoded; a problem names the image."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image

from contract.image import DRAFT_SIZE, SIZE, preprocess
from contract.image_files import ImageError, ImageTooLarge, base64_image_bytes, load_image, open_image
from server.wire.errors import RequestError

# (where, image): `where` names the image in errors ("$[3].image (product_id 7)"); the image is
# base64 text (JSON) or raw bytes (a binary request body).
EncodedImage = tuple[str, str | bytes]


class ImageBatchDecoder:
    def __init__(self, max_image_bytes: int, max_image_pixels: int, max_request_pixels: int) -> None:
        self.max_image_bytes = max_image_bytes
        self.max_image_pixels = max_image_pixels
        self.max_request_pixels = max_request_pixels

    def model_inputs(self, images: Sequence[EncodedImage]) -> np.ndarray:
        opened = [self._open(where, data) for where, data in images]
        pixels = sum(image.width * image.height for image in opened)
        if pixels > self.max_request_pixels:
            raise RequestError(
                413,
                f"the {len(opened)} images of this request have {pixels} pixels to decode, "
                f"limit max_request_pixels={self.max_request_pixels}: send fewer or smaller images per request",
            )
        inputs = np.empty((len(images), 1, SIZE, SIZE), dtype=np.float32)
        opened.reverse()  # popped in request order: one decoded image in memory at a time
        for i, (where, _) in enumerate(images):
            inputs[i, 0] = self._input(where, opened.pop())
        return inputs

    def _open(self, where: str, data: str | bytes) -> Image.Image:
        if isinstance(data, str):
            text = data.partition(",")[2] if data.startswith("data:") else data
            size = len(text) * 3 // 4  # known from the length, before decoding
            if size > self.max_image_bytes + 2:
                raise RequestError(413, f"{where}: about {size} bytes, limit max_image_bytes={self.max_image_bytes}")
        elif len(data) > self.max_image_bytes:
            raise RequestError(413, f"{where}: {len(data)} bytes, limit max_image_bytes={self.max_image_bytes}")
        try:
            raw = base64_image_bytes(text) if isinstance(data, str) else data
            return open_image(raw, self.max_image_pixels, DRAFT_SIZE)
        except ImageError as exc:
            raise _image_request_error(where, exc) from exc

    def _input(self, where: str, image: Image.Image) -> np.ndarray:
        try:
            return preprocess(load_image(image))
        except ImageError as exc:
            raise _image_request_error(where, exc) from exc


def _image_request_error(where: str, exc: ImageError) -> RequestError:
    return RequestError(413 if isinstance(exc, ImageTooLarge) else 422, f"{where}: {exc}")
