"""The category model's equivalence check: onnxruntime (the serving runtime) against PyTorch on
every test and validation image, the same argmax and every probability within the tolerance."""

from __future__ import annotations

import logging

import numpy as np
import torch
from torch import nn

from contract.artifact import EquivalenceCheck
from inference.image_classification import ImageClassificationRuntime
from training.export.gate import ExportRefused, Gate

log = logging.getLogger(__name__)

# PyTorch and onnxruntime run different float32 kernels (convolutions, softmax): 1e-4 covers that.
GATE = Gate(tolerance=1e-4)


@torch.no_grad()
def check_images(
    name: str, reference: nn.Module, runtime: ImageClassificationRuntime, inputs: np.ndarray
) -> EquivalenceCheck:
    expected = np.concatenate(
        [reference(torch.from_numpy(inputs[i : i + 1000])).numpy() for i in range(0, len(inputs), 1000)]
    )
    found = np.concatenate([runtime.probabilities(inputs[i : i + 1000]) for i in range(0, len(inputs), 1000)])
    mismatches = int((expected.argmax(1) != found.argmax(1)).sum())
    diff = float(np.abs(expected - found).max())
    return GATE.judge(name, len(inputs), mismatches, diff)


def judge(checks: list[EquivalenceCheck]) -> None:
    """Logs each check; raises ExportRefused naming every check that failed."""
    for c in checks:
        log.info(
            "%s: %d images, %d argmax differences, max |Δp| %.2g",
            c.name,
            c.products,
            c.label_mismatches,
            c.max_abs_probability_diff,
        )
    failed = [c for c in checks if not c.passed]
    if failed:
        raise ExportRefused(
            "onnxruntime and PyTorch disagree: "
            + "; ".join(
                f"{c.name}: {c.label_mismatches} labels differ, max |Δp| {c.max_abs_probability_diff:.3g} "
                f"(tolerance {GATE.tolerance})"
                for c in failed
            )
        )
