"""Text classification (the pattern model): product name and description in, label and
probabilities out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from contract.artifact import ArtifactError, ArtifactMetadata
from contract.inputs import TextInput
from contract.term_counts import TERMS_METADATA_KEY, TermCounter, listed_terms
from contract.text import TextProduct, Tokenizer
from inference.predictions import Predictions
from inference.runtime import ArtifactRuntime


class TextClassificationRuntime(ArtifactRuntime[TextInput]):
    """Loads `model.onnx` + `metadata.json` from a model directory and predicts batches of products."""

    contract_type = TextInput

    def __init__(self, model_dir: Path, intra_op_threads: int = 1, metadata: ArtifactMetadata | None = None) -> None:
        super().__init__(model_dir, intra_op_threads, metadata)
        self._features = self._featurizer(model_dir)
        self._input_name = self.contract.onnx_input
        outputs = self.metadata.onnx_outputs
        self._output_names = [outputs["label"], outputs["probabilities"]]

    def predict(self, products: Sequence[TextProduct]) -> Predictions:
        if not products:
            return self._no_predictions()
        features = self._features(products)
        labels, probabilities = self._session.run(self._output_names, {self._input_name: features})
        return Predictions(labels.tolist(), probabilities)

    def predict_items(self, items: Sequence[TextProduct]) -> Predictions:
        return self.predict(items)  # a product is an item

    def _featurizer(self, model_dir: Path) -> Callable[[Sequence[TextProduct]], np.ndarray]:
        spec = self.contract.tokenizer
        if self.contract.features == "tokens":  # formats 1 and 2: the graph looks the tokens up
            return Tokenizer(spec).product_matrix
        return TermCounter(spec, self._terms(model_dir)).counts

    def _terms(self, model_dir: Path) -> list[str]:
        """The graph's input columns, from the ONNX file's metadata property."""
        terms = listed_terms(self._session.get_modelmeta().custom_metadata_map)
        if terms is None:
            raise ArtifactError(f"{model_dir}: the ONNX file does not list its terms ({TERMS_METADATA_KEY})")
        width = self._session.get_inputs()[0].shape[1]
        if len(terms) != width:
            raise ArtifactError(f"{model_dir}: {TERMS_METADATA_KEY} lists {len(terms)} terms, the graph reads {width}")
        return terms
