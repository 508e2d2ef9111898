"""The category model's drift features: mean intensity, garment area and predicted groups, for
the Fashion-MNIST training images and a window of requests read as the API reads them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from contract.image import photo_input, scale_pixels
from contract.image_files import MAX_IMAGE_PIXELS, ImageError, base64_image_bytes
from inference.image_classification import ImageClassificationRuntime
from training.category.idx import load_split
from training.drift.sample import DriftResult, Sample, compare
from training.drift.window import WindowError

INK = 0.1  # a preprocessed pixel above this is part of the garment


def image_sample(runtime: ImageClassificationRuntime, inputs: np.ndarray) -> Sample:
    """`inputs`: (n, 1, 28, 28) model inputs in [0, 1]."""
    flat = inputs.reshape(len(inputs), -1)
    predictions = [label for i in range(0, len(inputs), 1000) for label in runtime.predict(inputs[i : i + 1000]).labels]
    return Sample(
        {"mean intensity": flat.mean(1), "garment area (share of pixels)": (flat > INK).mean(1)},
        predictions,
    )


def category_drift(model_dir: Path, fashion_dir: Path, window: list[dict[str, Any]]) -> DriftResult:
    runtime = ImageClassificationRuntime(model_dir)
    # The server's own preprocessing: the window is read exactly as the API would read it.
    inputs = np.empty((len(window), 1, 28, 28), dtype=np.float32)
    for i, item in enumerate(window):
        try:
            inputs[i, 0] = photo_input(base64_image_bytes(item["image"]), MAX_IMAGE_PIXELS)
        except KeyError as exc:
            raise WindowError(f"window item {i} without {exc}: category requests need an image") from exc
        except ImageError as exc:  # one unreadable image stops the check: the window must be clean
            where = f"$[{i}].image (product_id {item.get('product_id', i)!r})"
            raise WindowError(f"window item {where}: {exc}") from exc
    train = load_split(fashion_dir, "train")
    reference = image_sample(runtime, scale_pixels(train.images)[:, None])
    current = image_sample(runtime, inputs)
    return compare(reference, current, runtime.labels, "predicted group"), reference, current
