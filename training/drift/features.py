"""What each model's drift check measures: input features and predicted classes, for the training
reference and for a window of production inputs, through the artifact's own runtime."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from contract.artifact import ONNX_FILE
from contract.image import photo_input, scale_pixels
from contract.image_files import MAX_IMAGE_PIXELS, ImageError, base64_image_bytes
from contract.text import TextProduct, Tokenizer, product_text
from inference.image_classification import ImageClassificationRuntime
from inference.text_classification import TextClassificationRuntime
from training.category.idx import load_split
from training.data import load_products
from training.drift.stats import FeatureDrift, compare_classes, compare_numeric

INK = 0.1  # a preprocessed pixel above this is part of the garment


class WindowError(Exception):
    """The window file is missing, not JSON, or not a list of the model's request objects."""


@dataclass(frozen=True)
class Sample:
    numeric: dict[str, np.ndarray]
    predictions: list[str]


def read_window(path: Path) -> list[dict]:
    """A JSON array of request objects (the API's body) or JSON lines, one object per line."""
    try:
        text = path.read_text()
    except FileNotFoundError as exc:
        raise WindowError(f"window file not found: {path}") from exc
    try:
        items = (
            json.loads(text)
            if text.lstrip().startswith("[")
            else [json.loads(line) for line in text.splitlines() if line.strip()]
        )
    except json.JSONDecodeError as exc:
        raise WindowError(f"{path}: not JSON or JSON lines: {exc}") from exc
    if not items or not all(isinstance(i, dict) for i in items):
        raise WindowError(f"{path}: expected a non-empty list of objects")
    return items


def compare(reference: Sample, window: Sample, labels: list[str], prediction_name: str) -> list[FeatureDrift]:
    drifts = [compare_numeric(name, values, window.numeric[name]) for name, values in reference.numeric.items()]
    drifts.append(compare_classes(prediction_name, labels, reference.predictions, window.predictions))
    return drifts


# --- pattern ------------------------------------------------------------------------------


def document_frequencies(model_dir: Path, training_products: int) -> dict[str, int]:
    """How many training products contain each vocabulary token, recovered from the graph's
    idf weights (scikit-learn's smooth idf: ln((1 + n) / (1 + df)) + 1)."""
    graph = onnx.load(str(model_dir / ONNX_FILE)).graph
    node = next(n for n in graph.node if n.op_type == "TfIdfVectorizer")
    attributes = {a.name: a for a in node.attribute}
    tokens = [s.decode() for s in attributes["pool_strings"].strings]
    indexes = list(attributes["ngram_indexes"].ints)
    idf = next(numpy_helper.to_array(i) for i in graph.initializer if i.name == "idfcst")
    df = (1 + training_products) / np.exp(idf.astype(np.float64) - 1) - 1
    return {token: round(float(df[index])) for token, index in zip(tokens, indexes, strict=True)}


def pattern_sample(
    runtime: TextClassificationRuntime, frequencies: dict[str, int], products: list[TextProduct], in_training: bool
) -> Sample:
    """Text length, vocabulary coverage (share of a product's tokens the model knows) and predictions.

    A training product's coverage is counted leave-one-out (a token it alone brought into the
    vocabulary counts as unknown), otherwise the reference would be near 1 by construction."""
    tokenizer = Tokenizer(runtime.contract.tokenizer)
    needed = 2 if in_training else 1
    texts = [product_text(p.name, p.description) for p in products]
    coverage = []
    for text in texts:
        tokens = tokenizer.tokens(text)
        known = sum(frequencies.get(t, 0) >= needed for t in tokens)
        coverage.append(known / len(tokens) if tokens else 0.0)
    predictions = [
        label for i in range(0, len(products), 256) for label in runtime.predict(products[i : i + 256]).labels
    ]
    return Sample(
        {
            "text length (characters)": np.array([len(t) for t in texts], float),
            "vocabulary coverage": np.array(coverage),
        },
        predictions,
    )


def pattern_drift(model_dir: Path, train_tsv: Path, window: list[dict]) -> tuple[list[FeatureDrift], Sample, Sample]:
    runtime = TextClassificationRuntime(model_dir)
    try:
        products = [TextProduct(str(item["name"]), str(item["description"])) for item in window]
    except KeyError as exc:
        raise WindowError(f"window item without {exc}: pattern requests need name and description") from exc
    train = load_products(train_tsv, "productIdentifier")
    frequencies = document_frequencies(model_dir, len(train.products))
    reference = pattern_sample(runtime, frequencies, train.products, in_training=True)
    current = pattern_sample(runtime, frequencies, products, in_training=False)
    return compare(reference, current, runtime.labels, "predicted pattern"), reference, current


# --- category -----------------------------------------------------------------------------


def image_sample(runtime: ImageClassificationRuntime, inputs: np.ndarray) -> Sample:
    """`inputs`: (n, 1, 28, 28) model inputs in [0, 1]."""
    flat = inputs.reshape(len(inputs), -1)
    predictions = [label for i in range(0, len(inputs), 1000) for label in runtime.predict(inputs[i : i + 1000]).labels]
    return Sample(
        {"mean intensity": flat.mean(1), "garment area (share of pixels)": (flat > INK).mean(1)},
        predictions,
    )


def category_drift(model_dir: Path, fashion_dir: Path, window: list[dict]) -> tuple[list[FeatureDrift], Sample, Sample]:
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
