"""The pattern challenger (training/configs/pattern-challenger.toml): trained from its config it
gives the figures its committed artifact records, exports through the same equivalence gate to the
committed model under its own name, and compares with the prototype on the same held-out products."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from contract.artifact import read_metadata
from contract.inputs import TextInput
from tests.conftest import ROOT, run_training
from training.pattern.experiment import HOLDOUT_PREDICTIONS_FILE
from training.pattern.summary import pattern_headline

pytestmark = pytest.mark.slow
COMMITTED = ROOT / "artifacts" / "pattern-challenger"


def test_the_challenger_reproduces_the_figures_its_artifact_records(challenger_run: Path) -> None:
    metrics = json.loads((challenger_run / "metrics.json").read_text())
    assert metrics["config_name"] == "pattern-challenger" and metrics["grid_search"]["scoring"] == "f1_macro"
    recorded = read_metadata(COMMITTED).metrics
    ours = pattern_headline(metrics)
    assert ours.keys() == recorded.keys()
    for key, value in recorded.items():
        assert ours[key] == (pytest.approx(value, abs=1e-12) if isinstance(value, float) else value), key


def test_the_challenger_exports_through_the_gate_to_the_committed_model(
    challenger_run: Path, env_with_data: dict[str, str], tmp_path: Path
) -> None:
    # 50 generated batches instead of the default 400: the ONNX file does not depend on them, and
    # the gate's strictness on generated text is the champion's, tested in test_export.py.
    args = ["export", "--run", str(challenger_run), "--artifact-dir", str(tmp_path), "--examples", "50"]
    result = run_training(args, env_with_data)
    assert result.returncode == 0, result.stderr[-3000:]
    metadata = read_metadata(tmp_path / "pattern-challenger")  # its config's serve_as, not the champion's name
    assert not (tmp_path / "pattern").exists()
    assert metadata.name == "pattern-challenger" and metadata.equivalence.passed
    names = {check.name for check in metadata.equivalence.checks}
    assert {"train_products", "test_products"} < names and len(names) == 3  # and the generated Unicode text
    assert isinstance(metadata.input, TextInput) and metadata.input.tokenizer.name_ngram_range == (1, 2)
    assert metadata.onnx_sha256 == read_metadata(COMMITTED).onnx_sha256


def test_compare_pairs_the_same_held_out_products(
    prototype_run: Path, challenger_run: Path, env_with_data: dict[str, str]
) -> None:
    result = run_training(["compare", str(prototype_run), str(challenger_run)], env_with_data)
    assert result.returncode == 0, result.stderr[-2000:]
    a = pd.read_csv(prototype_run / HOLDOUT_PREDICTIONS_FILE, dtype=str)
    b = pd.read_csv(challenger_run / HOLDOUT_PREDICTIONS_FILE, dtype=str)
    assert len(a) == 305 and list(a.iloc[:, 0]) == list(b.iloc[:, 0])
    right_a, right_b = (a.label == a.predicted).to_numpy(), (b.label == b.predicted).to_numpy()
    only_a, only_b = int(np.sum(right_a & ~right_b)), int(np.sum(right_b & ~right_a))
    assert f"{only_a} products only the baseline gets right, {only_b} only the candidate" in result.stdout
    holdout = json.loads((prototype_run / "metrics.json").read_text())["holdout"]
    assert f"| macro-F1 | {holdout['macro_f1']:.4f} |" in result.stdout
    assert "95% paired bootstrap interval" in result.stdout


def test_compare_refuses_runs_of_different_held_out_products(
    prototype_run: Path, env_with_data: dict[str, str], tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    for name in ("metrics.json", "config.toml"):
        (other / name).write_bytes((prototype_run / name).read_bytes())
    frame = pd.read_csv(prototype_run / HOLDOUT_PREDICTIONS_FILE, dtype=str)
    frame.iloc[::-1].to_csv(other / HOLDOUT_PREDICTIONS_FILE, index=False)
    result = run_training(["compare", str(prototype_run), str(other)], env_with_data)
    assert result.returncode == 2 and "did not hold out the same products" in result.stderr
