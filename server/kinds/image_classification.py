"""Image classification models, served: V2 input `image` (BYTES, [N]), each element an encoded PNG or
JPEG (base64 text in JSON, raw bytes as binary data); the limits of POST /predict/category."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from server.kinds.declaration import ServedKind
from server.settings import ServerSettings
from server.v2.tensors import Elements
from server.v2.wire import TensorMetadata
from server.wire.errors import RequestError
from server.wire.images import ImageBatchDecoder

INPUT = "image"


class ImageTensorDecoder:
    def __init__(self, settings: ServerSettings) -> None:
        self.max_images = settings.max_images_per_request
        self._images = ImageBatchDecoder(
            settings.max_image_bytes, settings.max_image_pixels, settings.max_request_pixels
        )

    def __call__(self, elements: Mapping[str, Elements]) -> list[np.ndarray]:
        images = elements[INPUT]
        inputs = self._images.model_inputs([(f"input 'image' element {i}", image) for i, image in enumerate(images)])
        return list(inputs)  # one (1, 28, 28) item per image

    def check_count(self, count: int) -> None:
        if count > self.max_images:
            limit = f"max_images_per_request={self.max_images}"
            raise RequestError(400, f"too many images: {count} in one request, limit {limit}")


IMAGE_CLASSIFICATION = ServedKind(
    task="image-classification",
    queue_setting="max_queued_images",
    inputs=(TensorMetadata(INPUT, "BYTES", [-1]),),
    decoder=ImageTensorDecoder,
    decode_off_loop=True,  # Pillow decoding: milliseconds per photo
)
