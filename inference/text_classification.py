"""Text classification (the pattern model): product name and description in, label and
probabilities out."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from contract.artifact import ArtifactMetadata
from contract.inputs import TextInput
from contract.text import TextProduct, Tokenizer
from inference.predictions import Predictions
from inference.runtime import ArtifactRuntime


class TextClassificationRuntime(ArtifactRuntime[TextInput]):
    """Loads `model.onnx` + `metadata.json` from a model directory and predicts batches of products."""

    contract_type = TextInput

    def __init__(self, model_dir: Path, intra_op_threads: int = 1, metadata: ArtifactMetadata | None = None) -> None:
        super().__init__(model_dir, intra_op_threads, metadata)
        self._tokenizer = Tokenizer(self.contract.tokenizer)
        self._input_name = self.contract.onnx_input
        outputs = self.metadata.onnx_outputs
        self._output_names = [outputs["label"], outputs["probabilities"]]

    def predict(self, products: Sequence[TextProduct]) -> Predictions:
        if not products:
            return self._no_predictions()
        tokens = self._tokenizer.product_matrix(products)
        labels, probabilities = self._session.run(self._output_names, {self._input_name: tokens})
        return Predictions(labels.tolist(), probabilities)

    def predict_items(self, items: Sequence[TextProduct]) -> Predictions:
        return self.predict(items)  # a product is an item
