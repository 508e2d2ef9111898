"""The inference package on the committed artifacts: the artifact's task picks the runtime, a
runtime refuses another kind's artifact, and every runtime answers item lists the same way."""

from __future__ import annotations

import shutil
from pathlib import Path

import msgspec
import numpy as np
import pytest

from contract.artifact import ArtifactError
from contract.text import TextProduct
from inference.image_classification import ImageClassificationRuntime
from inference.kinds import KINDS, load_runtime
from inference.text_classification import TextClassificationRuntime
from tests.conftest import ROOT

ARTIFACTS = ROOT / "artifacts"


@pytest.mark.parametrize(
    ("model", "runtime_type", "item"),
    [
        ("pattern", TextClassificationRuntime, TextProduct("Striped Shirt Dress", "Stripe;cotton")),
        ("category", ImageClassificationRuntime, np.zeros((1, 28, 28), np.float32)),
    ],
)
def test_the_artifacts_task_picks_its_runtime(model: str, runtime_type: type, item: object) -> None:
    runtime = load_runtime(ARTIFACTS / model)
    assert type(runtime) is runtime_type and runtime.name == model
    assert KINDS[runtime.metadata.task].runtime is runtime_type
    predictions = runtime.predict_items([item, item])
    assert predictions.labels[0] == predictions.labels[1] and predictions.labels[0] in runtime.labels
    assert predictions.probabilities.shape == (2, len(runtime.labels))
    np.testing.assert_allclose(predictions.probabilities.sum(axis=1), 1.0, rtol=1e-5)
    empty = runtime.predict_items([])
    assert empty.labels == [] and empty.probabilities.shape == (0, len(runtime.labels))


def test_a_runtime_refuses_another_kinds_artifact() -> None:
    with pytest.raises(TypeError, match="this runtime needs TextInput"):
        TextClassificationRuntime(ARTIFACTS / "category")


def test_an_unknown_task_names_the_known_ones(tmp_path: Path) -> None:
    model_dir = tmp_path / "pattern"
    shutil.copytree(ARTIFACTS / "pattern", model_dir)
    metadata = msgspec.json.decode((model_dir / "metadata.json").read_bytes())
    (model_dir / "metadata.json").write_bytes(msgspec.json.encode({**metadata, "task": "audio-classification"}))
    with pytest.raises(ArtifactError, match=r"unknown task 'audio-classification'; known: \['image-classification'"):
        load_runtime(model_dir)
