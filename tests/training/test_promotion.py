"""The promotion gate of `make export`: a run replaces a served model only if it is its config as
written, on all the data, and is not worse by the model's figures; otherwise the export is refused
(exit 1, the artifact untouched, both figures named) unless a person allows it with a reason, which
the new metadata records. Also the run identity the gate relies on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import msgspec
import pytest

from contract.artifact import METADATA_FILE, read_metadata
from tests.conftest import run_training
from training.identity import RUN_KEY

pytestmark = pytest.mark.slow


def _files(model_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in model_dir.iterdir()}


def _champion(exported_artifacts: Path, tmp_path: Path, **raised: float) -> Path:
    """A copy of the exported prototype as the served champion, its recorded figures raised by
    `raised` (as if a better model were being served)."""
    artifacts = tmp_path / "artifacts"
    shutil.copytree(exported_artifacts / "pattern", artifacts / "pattern")
    path = artifacts / "pattern" / METADATA_FILE
    raw = json.loads(path.read_text())
    for key, delta in raised.items():
        raw["metrics"][key] += delta
    path.write_text(json.dumps(raw, indent=2))
    return artifacts


def _export(run: Path, artifacts: Path, env: dict[str, str], *extra: str):
    return run_training(
        ["export", "--run", str(run), "--artifact-dir", str(artifacts), "--examples", "20", *extra], env
    )


def test_a_run_within_the_tolerance_of_the_champion_replaces_it(
    prototype_run: Path, exported_artifacts: Path, env_with_data: dict[str, str], tmp_path: Path
) -> None:
    artifacts = _champion(exported_artifacts, tmp_path, holdout_accuracy=0.004)  # tolerance 0.005
    result = _export(prototype_run, artifacts, env_with_data)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "promotion gate passed" in result.stderr
    assert read_metadata(artifacts / "pattern").gate_override is None


def test_a_worse_candidate_is_refused_and_the_champion_kept(
    prototype_run: Path, exported_artifacts: Path, env_with_data: dict[str, str], tmp_path: Path
) -> None:
    artifacts = _champion(exported_artifacts, tmp_path, holdout_macro_f1=0.02)
    before = _files(artifacts / "pattern")
    result = _export(prototype_run, artifacts, env_with_data)
    assert result.returncode == 1, result.stderr[-2000:]
    served = json.loads(before[METADATA_FILE])["metrics"]["holdout_macro_f1"]
    candidate = json.loads((prototype_run / "metrics.json").read_text())["holdout"]["macro_f1"]
    message = result.stderr.strip().splitlines()[-1]
    assert f"held-out macro-F1 {candidate:.4f} is below {served:.4f}" in message, message
    assert "--allow-regression" in message and "--name" in message
    assert _files(artifacts / "pattern") == before
    assert not [p for p in artifacts.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_an_allowed_regression_is_exported_with_its_reason_recorded(
    prototype_run: Path, exported_artifacts: Path, env_with_data: dict[str, str], tmp_path: Path
) -> None:
    artifacts = _champion(exported_artifacts, tmp_path, holdout_accuracy=0.05)
    replaced = read_metadata(artifacts / "pattern").version
    reason = "roll back to the prototype: INC-2041"
    result = _export(prototype_run, artifacts, env_with_data, "--allow-regression", reason)
    assert result.returncode == 0, result.stderr[-2000:]
    override = read_metadata(artifacts / "pattern").gate_override
    assert override is not None and override.reason == reason and override.replaced_version == replaced
    assert len(override.findings) == 1 and "held-out accuracy" in override.findings[0]


def test_a_run_with_overrides_goes_to_a_new_name_not_over_the_champion(
    prototype_run: Path, exported_artifacts: Path, env_with_data: dict[str, str], tmp_path: Path
) -> None:
    # The same model, but its metrics say it ran with an override (as `make train SET=...` records).
    run = tmp_path / "runs" / f"{prototype_run.name}+seed=7"
    shutil.copytree(prototype_run, run)
    metrics = json.loads((run / "metrics.json").read_text())
    metrics[RUN_KEY] = {"config": "pattern-prototype", "overrides": ["seed=7"], "subset": []}
    (run / "metrics.json").write_text(json.dumps(metrics))
    artifacts = _champion(exported_artifacts, tmp_path)
    before = _files(artifacts / "pattern")

    refused = _export(run, artifacts, env_with_data)
    assert refused.returncode == 1 and "not its config as written (overrides (seed=7))" in refused.stderr
    assert _files(artifacts / "pattern") == before

    beside = _export(run, artifacts, env_with_data, "--name", "pattern-seed7")
    assert beside.returncode == 0, beside.stderr[-2000:]
    metadata = read_metadata(artifacts / "pattern-seed7")
    assert metadata.name == "pattern-seed7" and metadata.trained_from is not None
    assert metadata.trained_from.overrides == ["seed=7"]
    assert _files(artifacts / "pattern") == before


def test_a_model_name_of_another_kind_is_refused_even_when_allowed(
    prototype_run: Path, exported_artifacts: Path, env_with_data: dict[str, str], tmp_path: Path
) -> None:
    artifacts = _champion(exported_artifacts, tmp_path)
    path = artifacts / "pattern" / METADATA_FILE
    raw = msgspec.json.decode(path.read_bytes())
    raw["task"] = "image-classification"
    path.write_bytes(msgspec.json.encode(raw))
    result = _export(prototype_run, artifacts, env_with_data, "--allow-regression", "why not")
    assert result.returncode == 1 and "serves a model of kind image-classification" in result.stderr


def test_name_needs_a_run_and_a_valid_name(env_with_data: dict[str, str], tmp_path: Path) -> None:
    result = run_training(["export", "--name", "x", "--artifact-dir", str(tmp_path)], env_with_data)
    assert result.returncode == 2 and "--name needs --run" in result.stderr
    result = run_training(["export", "--run", "latest", "--name", "../x"], {**env_with_data, "RUNS_DIR": str(tmp_path)})
    assert result.returncode == 2 and "a model name is letters" in result.stderr
