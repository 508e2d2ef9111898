"""What every runtime shares: load a model directory (metadata, checked input contract, verified
ONNX file, one onnxruntime session) and answer with labels and probabilities."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np

from contract.artifact import ArtifactMetadata, read_metadata, verified_onnx_path
from contract.inputs import ImageInput, TextInput
from inference.predictions import Predictions
from inference.session import inference_session

Contract = TypeVar("Contract", TextInput, ImageInput)


class ArtifactRuntime(Generic[Contract]):
    # The input contract this kind of runtime reads (the metadata's `input.kind`).
    contract_type: ClassVar[type[TextInput] | type[ImageInput]]

    def __init__(self, model_dir: Path, intra_op_threads: int = 1, metadata: ArtifactMetadata | None = None) -> None:
        self.metadata: ArtifactMetadata = metadata or read_metadata(model_dir)
        contract = self.metadata.input
        if not isinstance(contract, self.contract_type):
            raise TypeError(
                f"{model_dir}: input kind {type(contract).__name__}, this runtime needs {self.contract_type.__name__}"
            )
        self.contract: Contract = contract  # type: ignore[assignment]  # checked just above
        self._session = inference_session(verified_onnx_path(model_dir, self.metadata), intra_op_threads)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def labels(self) -> list[str]:
        return self.metadata.labels

    def predict_items(self, items: Sequence[Any]) -> Predictions:
        """One prediction per item (a product, an image): what a micro-batcher collects."""
        raise NotImplementedError

    def _no_predictions(self) -> Predictions:
        return Predictions([], np.zeros((0, len(self.labels)), dtype=np.float32))
