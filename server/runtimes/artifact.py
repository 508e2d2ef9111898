"""What every runtime shares: load a model directory (metadata, checked input contract,
verified ONNX file, one onnxruntime session) and answer with labels and probabilities."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np

from contract.artifact import ArtifactMetadata, TextInput, read_metadata, verified_onnx_path
from contract.image import ImageInput
from server.runtimes.session import inference_session

Contract = TypeVar("Contract", TextInput, ImageInput)


@dataclass(frozen=True, slots=True)
class Predictions:
    labels: list[str]
    probabilities: np.ndarray  # (items, labels), columns in the runtime's `labels` order


class ArtifactRuntime(Generic[Contract]):
    def __init__(self, model_dir: Path, contract_type: type[Contract], intra_op_threads: int) -> None:
        self.metadata: ArtifactMetadata = read_metadata(model_dir)
        contract = self.metadata.input
        if not isinstance(contract, contract_type):
            raise TypeError(
                f"{model_dir}: input kind {type(contract).__name__}, this runtime needs {contract_type.__name__}"
            )
        self.contract: Contract = contract
        self._session = inference_session(verified_onnx_path(model_dir, self.metadata), intra_op_threads)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def labels(self) -> list[str]:
        return self.metadata.labels

    def _no_predictions(self) -> Predictions:
        return Predictions([], np.zeros((0, len(self.labels)), dtype=np.float32))
