"""What each text model of the repository costs to serve, per product: the serving runtime
(counting terms in Python, then onnxruntime on one thread) on the test TSV's products, in batches of 1
and of 100, best of 5 passes. A challenger's accuracy is judged beside this.

    python -m benchmarks.text_models [--artifact-dir artifacts]

Wall-clock on a shared machine: compare models measured in the same run, not across runs."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import pandas as pd

from benchmarks.paths import ARTIFACTS
from contract.artifact import model_dirs, read_metadata
from contract.text import TextProduct
from inference.text_classification import TextClassificationRuntime

BATCHES = (1, 100)
PASSES = 5
PRODUCTS = 900


def microseconds_per_product(runtime: TextClassificationRuntime, products: list[TextProduct], batch: int) -> float:
    best = float("inf")
    for _ in range(PASSES):
        started = time.perf_counter()
        for i in range(0, len(products), batch):
            runtime.predict(products[i : i + batch])
        best = min(best, (time.perf_counter() - started) / len(products))
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.text_models", description=__doc__.split("\n\n")[0])
    parser.add_argument("--artifact-dir", type=Path, default=ARTIFACTS)
    args = parser.parse_args()
    test_tsv = Path(os.environ.get("DATA_DIR", "data")) / "asos" / "exercise_test.tsv"
    frame = pd.read_table(test_tsv)
    products = [TextProduct(n, d) for n, d in zip(frame["name"], frame["description"], strict=True)][:PRODUCTS]
    print("| model | version | " + " | ".join(f"µs/product, batch {b}" for b in BATCHES) + " |")
    print("|---|---|" + "---|" * len(BATCHES))
    for model_dir in model_dirs(args.artifact_dir):
        if read_metadata(model_dir).task != "text-classification":
            continue
        runtime = TextClassificationRuntime(model_dir)
        runtime.predict(products[:100])  # warm-up
        costs = [microseconds_per_product(runtime, products, b) for b in BATCHES]
        version = runtime.metadata.version
        print(f"| {model_dir.name} | {version} | " + " | ".join(f"{c:.1f}" for c in costs) + " |")


if __name__ == "__main__":
    main()
