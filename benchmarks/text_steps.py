"""Where a text runtime's time goes on a batch of products: building the graph's input, then
onnxruntime, with onnxruntime's own profile of its nodes. Medians of repeated calls, µs per product.

    python -m benchmarks.text_steps [MODEL_DIR ...] [--batch 100]

MODEL_DIR defaults to artifacts/pattern; give a format 2 artifact (tests/inference/format_2_pattern)
beside it to compare the token-matrix input with the term counts."""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pandas as pd

from benchmarks.inprocess import median_us
from benchmarks.paths import ARTIFACTS
from contract.text import TextProduct
from inference.text_classification import TextClassificationRuntime

REPEATS = 300
PROFILED_RUNS = 300


def node_profile(onnx_path: Path, feeds: dict[str, np.ndarray], top: int = 6) -> list[tuple[str, float]]:
    """Median kernel time per node over PROFILED_RUNS runs, the costliest first (µs per run)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.enable_profiling = True
    with tempfile.TemporaryDirectory() as tmp:
        options.profile_file_prefix = str(Path(tmp) / "profile")
        session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        for _ in range(PROFILED_RUNS):
            session.run(None, feeds)
        events = json.loads(Path(session.end_profiling()).read_text())
    durations: dict[str, list[float]] = collections.defaultdict(list)
    for event in events:
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            durations[f"{event['args']['op_name']} ({event['name'].removesuffix('_kernel_time')})"].append(event["dur"])
    medians = sorted(((statistics.median(d), node) for node, d in durations.items()), reverse=True)
    return [(node, d) for d, node in medians[:top]]


def describe(model_dir: Path, products: list[TextProduct]) -> list[str]:
    runtime = TextClassificationRuntime(model_dir)
    n = len(products)
    features = runtime._features(products)  # the step under study: what the runtime hands the graph
    feeds = {runtime.contract.onnx_input: features}
    meta = runtime.metadata
    onnx_path = model_dir / meta.onnx_file
    lines = [
        f"{model_dir} (format {meta.format_version}, input {runtime.contract.features}), µs per product, batch {n}:",
        f"  input {median_us(lambda: runtime._features(products), REPEATS) / n:.2f}"
        f"  onnxruntime {median_us(lambda: runtime._session.run(None, feeds), REPEATS) / n:.2f}"
        f"  predict {median_us(lambda: runtime.predict(products), REPEATS) / n:.2f}",
        "  nodes (µs per batch): " + ", ".join(f"{node} {d:.0f}" for node, d in node_profile(onnx_path, feeds)),
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.text_steps", description=__doc__.split("\n\n")[0])
    parser.add_argument("model_dirs", nargs="*", type=Path, default=[ARTIFACTS / "pattern"])
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    frame = pd.read_table(Path(os.environ.get("DATA_DIR", "data")) / "asos" / "exercise_test.tsv")
    products = [TextProduct(n, d) for n, d in zip(frame["name"], frame["description"], strict=True)][: args.batch]
    for model_dir in args.model_dirs:
        print("\n".join(describe(model_dir, products)))


if __name__ == "__main__":
    main()
