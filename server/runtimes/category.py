"""The category model: preprocessed 28×28 images in, group label and probabilities out."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from contract.artifact import ArtifactMetadata, read_metadata, verified_onnx_path
from contract.image import ImageInput
from server.runtimes.pattern import Predictions
from server.runtimes.session import inference_session


class CategoryRuntime:
    """Loads an image-classification model directory; predicts batches of model inputs."""

    def __init__(self, model_dir: Path, intra_op_threads: int = 1) -> None:
        self.metadata: ArtifactMetadata = read_metadata(model_dir)
        contract = self.metadata.input
        if not isinstance(contract, ImageInput):
            raise TypeError(f"{model_dir}: not an image model (input kind {type(contract).__name__})")
        self.contract = contract
        self._session = inference_session(verified_onnx_path(model_dir, self.metadata), intra_op_threads)
        self._input_name = contract.onnx_input
        self._output_names = [self.metadata.onnx_outputs["probabilities"]]
        self._labels = np.array(self.metadata.labels, dtype=object)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def labels(self) -> list[str]:
        return self.metadata.labels

    def probabilities(self, inputs: np.ndarray) -> np.ndarray:
        """(n, 1, 28, 28) float32 in [0, 1] → (n, groups) probabilities."""
        (probabilities,) = self._session.run(self._output_names, {self._input_name: inputs})
        return probabilities

    def predict(self, inputs: np.ndarray) -> Predictions:
        if not len(inputs):
            return Predictions([], np.zeros((0, len(self.labels)), dtype=np.float32))
        probabilities = self.probabilities(inputs)
        return Predictions(self._labels[probabilities.argmax(1)].tolist(), probabilities)
