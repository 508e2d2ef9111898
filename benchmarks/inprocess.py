"""In-process inference cost per product: the ONNX runtime the server uses vs scikit-learn."""

from __future__ import annotations

import pickle
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from contract.text import TextProduct, product_text
from inference.text_classification import TextClassificationRuntime


def median_us(fn: Callable[[], object], repeats: int) -> float:
    """Median wall-clock µs of `fn`, after a warm-up."""
    for _ in range(min(200, repeats)):
        fn()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1e6


def inprocess_table(model_dir: Path, model_pickle: Path, test_tsv: Path) -> str:
    runtime = TextClassificationRuntime(model_dir)
    with model_pickle.open("rb") as f:
        sklearn = pickle.load(f)
    frame = pd.read_table(test_tsv)
    products = [TextProduct(n, d) for n, d in zip(frame["name"], frame["description"], strict=True)]
    single, batch = products[:1], products[:100]

    def sk(ps: list[TextProduct]) -> Callable[[], object]:
        return lambda: sklearn.predict_proba([product_text(p.name, p.description) for p in ps])

    rows = [
        ("1 product", median_us(lambda: runtime.predict(single), 3000), median_us(sk(single), 1000), 1),
        ("100 products", median_us(lambda: runtime.predict(batch), 300), median_us(sk(batch), 100), 100),
    ]
    lines = [
        "## In-process inference (one thread, median)",
        "",
        "From raw name + description to labels and probabilities. onnxruntime: `TextClassificationRuntime.predict` "
        "(count terms + session). scikit-learn: `Pipeline.predict_proba` on `product_text`.",
        "",
        "| batch | onnxruntime µs/product | scikit-learn µs/product | speed-up |",
        "|---|---|---|---|",
    ]
    for name, ort_us, sk_us, n in rows:
        lines.append(f"| {name} | {ort_us / n:.1f} | {sk_us / n:.1f} | {sk_us / ort_us:.1f}x |")
    return "\n".join(lines)


def category_inprocess_table(model_dir: Path, fashion_dir: Path) -> str:
    """Where an image's time goes in the server: PNG decode + preprocessing, then onnxruntime."""
    from contract.image import photo_input
    from inference.image_classification import ImageClassificationRuntime
    from server.settings import ServerSettings
    from training.category.idx import load_split
    from training.category.photos import as_photo, encode

    runtime = ImageClassificationRuntime(model_dir)
    limit = ServerSettings().max_image_pixels
    images = load_split(fashion_dir, "test").images
    png = encode(as_photo(images[0], 112))
    big_jpeg = encode(as_photo(images[0], 1000).convert("RGB"), "JPEG")
    single = photo_input(png, limit)[None, None]
    batch = np.repeat(single, 256, axis=0)
    rows = [
        ("decode + preprocess, 112×112 PNG", median_us(lambda: photo_input(png, limit), 2000), 1),
        (
            "decode + preprocess, 1000×1000 JPEG",
            median_us(lambda: photo_input(big_jpeg, limit), 100),
            1,
        ),
        ("onnxruntime, batch of 1", median_us(lambda: runtime.predict(single), 2000), 1),
        ("onnxruntime, batch of 256", median_us(lambda: runtime.predict(batch), 50), 256),
    ]
    lines = [
        "### In-process cost per image (one thread, median)",
        "",
        "| step | µs per image |",
        "|---|---|",
    ]
    lines += [f"| {name} | {us / n:.1f} |" for name, us, n in rows]
    return "\n".join(lines)
