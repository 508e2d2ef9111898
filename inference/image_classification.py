"""Image classification (the category model): preprocessed 28×28 images in, label and
probabilities out."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from contract.artifact import ArtifactMetadata
from contract.inputs import ImageInput
from inference.predictions import Predictions
from inference.runtime import ArtifactRuntime


class ImageClassificationRuntime(ArtifactRuntime[ImageInput]):
    """Loads an image-classification model directory; predicts batches of model inputs."""

    contract_type = ImageInput

    def __init__(self, model_dir: Path, intra_op_threads: int = 1, metadata: ArtifactMetadata | None = None) -> None:
        super().__init__(model_dir, intra_op_threads, metadata)
        self._input_name = self.contract.onnx_input
        self._output_names = [self.metadata.onnx_outputs["probabilities"]]
        self._labels = np.array(self.metadata.labels, dtype=object)

    def probabilities(self, inputs: np.ndarray) -> np.ndarray:
        """(n, 1, 28, 28) float32 in [0, 1] → (n, labels) probabilities."""
        (probabilities,) = self._session.run(self._output_names, {self._input_name: inputs})
        return probabilities

    def predict(self, inputs: np.ndarray) -> Predictions:
        if not len(inputs):
            return self._no_predictions()
        probabilities = self.probabilities(inputs)
        return Predictions(self._labels[probabilities.argmax(1)].tolist(), probabilities)

    def predict_items(self, items: Sequence[np.ndarray]) -> Predictions:
        """Items are (1, 28, 28) model inputs, one per image."""
        return self.predict(np.stack(items)) if items else self._no_predictions()
