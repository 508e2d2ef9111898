"""Text artifacts of both input formats serve: format 3 graphs read term counts (contract.term_counts),
format 2 graphs read token rows. `format_2_pattern/` is the committed pattern model as format 2
exported it (same config, seed and data as artifacts/pattern), kept so that a model repository
written before format 3 keeps serving after an upgrade."""

from __future__ import annotations

import shutil
from pathlib import Path

import msgspec
import numpy as np
import onnx
import pytest

from contract.artifact import ONNX_FILE, ArtifactError, read_metadata, sha256_of, write_metadata
from contract.term_counts import TERMS_METADATA_KEY
from inference.text_classification import TextClassificationRuntime
from tests.conftest import ROOT
from training.pattern.data import load_products

FORMAT_2 = Path(__file__).parent / "format_2_pattern"


def test_a_format_2_artifact_predicts_what_its_format_3_export_predicts(data_dir: Path) -> None:
    old, new = TextClassificationRuntime(FORMAT_2), TextClassificationRuntime(ROOT / "artifacts" / "pattern")
    assert (old.metadata.format_version, old.contract.features) == (2, "tokens")
    assert (new.metadata.format_version, new.contract.features) == (3, "term_counts")
    assert old.metadata.trained_from == new.metadata.trained_from
    products = load_products(data_dir / "asos" / "exercise_test.tsv", "productIdentifier").products
    for start in range(0, len(products), 100):
        batch = products[start : start + 100]
        before, after = old.predict(batch), new.predict(batch)
        assert before.labels == after.labels
        np.testing.assert_allclose(before.probabilities, after.probabilities, atol=1e-6)


def _with_onnx(tmp_path: Path, change: object) -> Path:
    """A copy of artifacts/pattern whose ONNX file `change` edits, its checksum updated."""
    model_dir = tmp_path / "pattern"
    shutil.copytree(ROOT / "artifacts" / "pattern", model_dir)
    model = onnx.load(model_dir / ONNX_FILE)
    change(model)  # type: ignore[operator]
    onnx.save(model, model_dir / ONNX_FILE)
    meta = read_metadata(model_dir)
    write_metadata(model_dir, msgspec.structs.replace(meta, onnx_sha256=sha256_of(model_dir / ONNX_FILE)))
    return model_dir


def test_a_graph_without_its_terms_is_refused_with_the_reason(tmp_path: Path) -> None:
    model_dir = _with_onnx(tmp_path, lambda model: model.metadata_props.pop())
    with pytest.raises(ArtifactError, match=f"does not list its terms \\({TERMS_METADATA_KEY}\\)"):
        TextClassificationRuntime(model_dir)


def test_terms_that_do_not_fit_the_graph_are_refused(tmp_path: Path) -> None:
    def one_term_short(model: onnx.ModelProto) -> None:
        (prop,) = model.metadata_props
        prop.value = msgspec.json.encode(msgspec.json.decode(prop.value)[:-1]).decode()

    with pytest.raises(ArtifactError, match="lists 1844 terms, the graph reads 1845"):
        TextClassificationRuntime(_with_onnx(tmp_path, one_term_short))
