"""The pattern model: product name and description in, pattern label and probabilities out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from contract.artifact import ArtifactMetadata, TextInput, read_metadata, verified_onnx_path
from contract.text import TextProduct, Tokenizer, product_text
from server.runtimes.session import inference_session


@dataclass(frozen=True, slots=True)
class Predictions:
    labels: list[str]
    probabilities: np.ndarray  # (products, labels), columns in `PatternRuntime.labels` order


class PatternRuntime:
    """Loads `model.onnx` + `metadata.json` from a model directory and predicts batches."""

    def __init__(self, model_dir: Path, intra_op_threads: int = 1) -> None:
        self.metadata: ArtifactMetadata = read_metadata(model_dir)
        self._session = inference_session(verified_onnx_path(model_dir, self.metadata), intra_op_threads)
        contract = self.metadata.input
        if not isinstance(contract, TextInput):
            raise TypeError(f"{model_dir}: not a text model (input kind {type(contract).__name__})")
        self._tokenizer = Tokenizer(contract.tokenizer)
        self._input_name = contract.onnx_input
        outputs = self.metadata.onnx_outputs
        self._output_names = [outputs["label"], outputs["probabilities"]]

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def labels(self) -> list[str]:
        return self.metadata.labels

    def predict(self, products: Sequence[TextProduct]) -> Predictions:
        if not products:
            return Predictions([], np.zeros((0, len(self.labels)), dtype=np.float32))
        tokens = self._tokenizer.token_matrix(product_text(p.name, p.description) for p in products)
        labels, probabilities = self._session.run(self._output_names, {self._input_name: tokens})
        return Predictions(labels.tolist(), probabilities)
