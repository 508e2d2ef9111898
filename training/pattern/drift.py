"""The pattern model's drift features: text length, vocabulary coverage and predicted patterns,
for the training products and a window of requests, through the artifact's own runtime."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import numpy_helper

from contract.artifact import ONNX_FILE
from contract.term_counts import listed_terms
from contract.text import TextProduct, Tokenizer, product_text
from inference.text_classification import TextClassificationRuntime
from training.drift.sample import DriftResult, Sample, compare
from training.drift.window import WindowError
from training.pattern.data import load_products


def document_frequencies(model_dir: Path, training_products: int) -> dict[str, int]:
    """How many training products contain each vocabulary term, recovered from the graph's
    idf weights (scikit-learn's smooth idf: ln((1 + n) / (1 + df)) + 1)."""
    model = onnx.load(str(model_dir / ONNX_FILE))
    idf = next(numpy_helper.to_array(i) for i in model.graph.initializer if i.name == "idfcst")
    df = (1 + training_products) / np.exp(idf.astype(np.float64) - 1) - 1
    return {term: round(float(df[column])) for column, term in _columns(model)}


def _columns(model: onnx.ModelProto) -> list[tuple[int, str]]:
    """The graph's vocabulary: listed in the file since format 3, in its `TfIdfVectorizer` before."""
    listed = listed_terms({p.key: p.value for p in model.metadata_props})
    if listed is not None:
        return list(enumerate(listed))
    node = next(n for n in model.graph.node if n.op_type == "TfIdfVectorizer")
    attributes = {a.name: a for a in node.attribute}
    tokens = [s.decode() for s in attributes["pool_strings"].strings]
    return list(zip(attributes["ngram_indexes"].ints, tokens, strict=True))


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


def pattern_drift(model_dir: Path, train_tsv: Path, window: list[dict[str, Any]]) -> DriftResult:
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
