"""The category model: preprocessed 28×28 images in, group label and probabilities out."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from contract.image import ImageInput
from server.runtimes.artifact import ArtifactRuntime, Predictions


class CategoryRuntime(ArtifactRuntime[ImageInput]):
    """Loads an image-classification model directory; predicts batches of model inputs."""

    def __init__(self, model_dir: Path, intra_op_threads: int = 1) -> None:
        super().__init__(model_dir, ImageInput, intra_op_threads)
        self._input_name = self.contract.onnx_input
        self._output_names = [self.metadata.onnx_outputs["probabilities"]]
        self._labels = np.array(self.metadata.labels, dtype=object)

    def probabilities(self, inputs: np.ndarray) -> np.ndarray:
        """(n, 1, 28, 28) float32 in [0, 1] → (n, groups) probabilities."""
        (probabilities,) = self._session.run(self._output_names, {self._input_name: inputs})
        return probabilities

    def predict(self, inputs: np.ndarray) -> Predictions:
        if not len(inputs):
            return self._no_predictions()
        probabilities = self.probabilities(inputs)
        return Predictions(self._labels[probabilities.argmax(1)].tolist(), probabilities)
