"""The category model's exported graph: the trained network plus softmax and the class → group
sum, PyTorch → ONNX. It takes (batch, 1, 28, 28) floats in [0, 1] and returns the five group
probabilities, so the server's only arithmetic is an argmax."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import torch
from torch import nn

from contract.fashion_groups import grouping_matrix

INPUT_NAME = "image"
OUTPUT_NAME = "probabilities"
OPSET = 18
REGISTRY_LOGGER = "torch.onnx._internal.exporter._registration"  # see _TorchvisionNotInstalled


class GroupProbabilities(nn.Module):
    """The trained network plus what turns its logits into the served group probabilities."""

    grouping: torch.Tensor  # (10, 5), a buffer: travels with the exported graph

    def __init__(self, network: nn.Module, targets: str) -> None:
        super().__init__()
        self.network = network.eval()
        self.sum_into_groups = targets == "classes"
        self.register_buffer("grouping", torch.from_numpy(grouping_matrix()))

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        probabilities = torch.softmax(self.network(image), dim=1)
        return probabilities @ self.grouping if self.sum_into_groups else probabilities


class _TorchvisionNotInstalled(logging.Filter):
    """torch.onnx fills its operator registry from onnxscript's table, which has four torchvision
    operators (nms, roi_align, roi_pool, deform_conv2d); without torchvision it logs one warning
    per operator, on every export. No network here uses them, and torchvision is deliberately not
    a dependency: only that notice is dropped, any other registry warning still shows."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("torchvision is not installed")


def to_onnx(module: nn.Module, path: Path) -> None:
    example = torch.rand(2, 1, 28, 28)
    batch = torch.export.Dim("batch", min=1, max=4096)
    for noisy in ("onnxscript", "onnx_ir", "torch.onnx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    registry_log, no_torchvision = logging.getLogger(REGISTRY_LOGGER), _TorchvisionNotInstalled()
    registry_log.addFilter(no_torchvision)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's chatter about opset conversions
            program = torch.onnx.export(
                module,
                (example,),
                input_names=[INPUT_NAME],
                output_names=[OUTPUT_NAME],
                dynamic_shapes={"image": {0: batch}},
                opset_version=OPSET,
                dynamo=True,
                verbose=False,
            )
    finally:
        registry_log.removeFilter(no_torchvision)
    assert program is not None  # dynamo=True always returns the program
    program.save(str(path))
