"""A category run on a small subset through the CLI (as `make train` runs it), then the
export gate: a faithful export passes and lands, a broken network is refused."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import numpy as np
import pytest
import torch

from contract.artifact import read_metadata
from contract.fashion_groups import GROUPS
from contract.inputs import ImageInput
from inference.image_classification import ImageClassificationRuntime
from tests.conftest import ROOT, run_training
from training.category.config import CategoryConfig
from training.category.experiment import load_model
from training.category.export.export import export_category_run
from training.config import load_config
from training.export.gate import ExportRefused
from training.export.target import ExportTarget
from training.identity import identity_of

CONFIG = ROOT / "training" / "configs" / "category-cnn-classes.toml"
SMALL = ["data.train_limit=2000", "data.test_limit=500", "train.epochs=2", "model.width=8", "evaluation.photo_size=56"]
RUN_FILES = {
    "config.toml", "metrics.json", "model.pt", "predictions_test.csv", "report.md", "curves.png",
    "confusion.png", "class_confusion.png", "reliability.png", "errors.png",
}  # fmt: skip


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory, env_with_data: dict[str, str], fashion_dir: Path) -> Path:
    runs = tmp_path_factory.mktemp("runs")
    args = ["train", "--config", str(CONFIG), *(f"--set={s}" for s in SMALL)]
    result = run_training(args, {**env_with_data, "RUNS_DIR": str(runs), "DATA_DIR": str(fashion_dir.parent)})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "epoch 2/2" in result.stderr and " s\n" in result.stderr  # progress per epoch, with its time
    return (runs / "latest-category").resolve()


@pytest.mark.slow
def test_run_directory_is_complete(small_run: Path) -> None:
    assert {p.name for p in small_run.iterdir()} >= RUN_FILES
    metrics = json.loads((small_run / "metrics.json").read_text())
    assert metrics["task"] == "category" and metrics["training"]["epochs_run"] == 2
    assert len(metrics["history"]) == 2 and metrics["history"][0]["seconds"] > 0
    test = metrics["test"]
    assert test["images"] == 500 and 0.5 < test["accuracy"] <= 1.0
    assert set(test["per_group"]) == set(GROUPS)
    assert np.array(test["confusion"]).sum() == 500 and np.array(test["confusion"]).shape == (5, 5)
    assert np.array(metrics["class_confusion"]["confusion"]).shape == (10, 10)
    assert 0.0 <= metrics["calibration"]["ece"] < 1.0
    assert metrics["worst_mistakes"] and metrics["photo_test"]["size"] == 56
    assert metrics["inference_cost"]["parameters"] > 0 and metrics["inference_cost"]["ms_per_image_batch1"] > 0
    config = load_config(small_run / "config.toml")  # the resolved config, overrides applied
    assert isinstance(config, CategoryConfig) and config.data.train_limit == 2000


@pytest.mark.slow
def test_runs_lists_category_runs(small_run: Path, env_with_data: dict[str, str]) -> None:
    result = run_training(["runs"], {**env_with_data, "RUNS_DIR": str(small_run.parent)})
    assert result.returncode == 0, result.stderr
    assert "## Category runs" in result.stdout and small_run.name in result.stdout
    assert "subset (data.train_limit=2000, data.test_limit=500)" in result.stdout  # flagged in its row
    averages = result.stdout.split("## Category configs")[1]
    assert "category-cnn-classes" not in averages  # a subset run is no seed of its config


@pytest.mark.slow
def test_the_subset_run_is_named_and_headed_by_its_overrides(small_run: Path) -> None:
    identity = identity_of(json.loads((small_run / "metrics.json").read_text()))
    assert identity.subset == ["data.train_limit=2000", "data.test_limit=500"] and not identity.standard
    # The overrides name the run, shortened with a hash beyond 80 characters.
    assert "-category-cnn-classes+data.train_limit=2000+data.test_limit=500+train.epochs=2" in small_run.name
    report = (small_run / "report.md").read_text().splitlines()
    assert report[2] == "> **Config** `category-cnn-classes`" and "`--set train.epochs=2`" in report[3]
    assert report[4].startswith("> **Subset run**")


@pytest.mark.slow
def test_a_subset_run_is_not_exported_over_the_champion(
    small_run: Path, tmp_path: Path, fashion_dir: Path, env_with_data: dict[str, str], monkeypatch
) -> None:
    monkeypatch.setenv("DATA_DIR", str(fashion_dir.parent))
    champion = export_category_run(small_run, ExportTarget.of_run(small_run, tmp_path, "category"))
    before = {p.name: p.read_bytes() for p in champion.iterdir()}
    env = {**env_with_data, "DATA_DIR": str(fashion_dir.parent)}
    result = run_training(["export", "--run", str(small_run), "--artifact-dir", str(tmp_path)], env)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "not its config as written (subset (data.train_limit=2000, data.test_limit=500)" in result.stderr
    assert {p.name: p.read_bytes() for p in champion.iterdir()} == before


@pytest.mark.slow
def test_export_passes_the_gate_and_serves(small_run: Path, tmp_path: Path, fashion_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("DATA_DIR", str(fashion_dir.parent))
    model_dir = export_category_run(small_run, ExportTarget.of_run(small_run, tmp_path, "category"))
    metadata = read_metadata(model_dir)
    assert metadata.task == "image-classification" and metadata.labels == list(GROUPS)
    assert isinstance(metadata.input, ImageInput) and metadata.input.height == 28
    assert metadata.input.value_range == [0.0, 1.0] and "black background" in metadata.input.polarity
    checks = {c.name: c for c in metadata.equivalence.checks}
    assert checks["test_images"].products == 10_000 and checks["test_images"].label_mismatches == 0
    assert checks["test_images"].max_abs_probability_diff <= 1e-4
    runtime = ImageClassificationRuntime(model_dir)
    predictions = runtime.predict(np.zeros((3, 1, 28, 28), dtype=np.float32))
    assert len(predictions.labels) == 3 and np.allclose(predictions.probabilities.sum(1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_gate_refuses_a_broken_network(small_run: Path, tmp_path: Path, fashion_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("DATA_DIR", str(fashion_dir.parent))
    current = tmp_path / "category"
    current.mkdir()
    (current / "metadata.json").write_text("the current artifact")
    config = load_config(small_run / "config.toml")
    broken = load_model(small_run, config)
    with torch.no_grad():
        broken[-1].bias += torch.linspace(-3, 3, 10)  # type: ignore[index]  # a "conversion" that shifts the logits
    with pytest.raises(ExportRefused, match=r"test_images: \d+ labels differ"):
        export_category_run(small_run, ExportTarget.of_run(small_run, tmp_path, "category"), candidate=broken)
    assert (current / "metadata.json").read_text() == "the current artifact"
    assert [p.name for p in tmp_path.iterdir()] == ["category"]  # no staging left behind


def test_committed_artifact_describes_itself() -> None:
    metadata = read_metadata(ROOT / "artifacts" / "category")
    assert metadata.equivalence.passed and metadata.labels == list(GROUPS)
    raw = msgspec.json.decode((ROOT / "artifacts" / "category" / "metadata.json").read_bytes())
    assert raw["input"]["kind"] == "image"


@pytest.mark.slow
def test_export_twice_is_byte_identical_and_quiet(
    small_run: Path,
    tmp_path: Path,
    fashion_dir: Path,
    monkeypatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The same run exported twice: the same model.onnx and metadata.json (nothing about the
    moment or the machine in it), and no `torchvision is not installed` notices."""
    monkeypatch.setenv("DATA_DIR", str(fashion_dir.parent))
    first, second = (
        export_category_run(small_run, ExportTarget.of_run(small_run, tmp_path / "a", "category")),
        export_category_run(small_run, ExportTarget.of_run(small_run, tmp_path / "b", "category")),
    )
    for name in ("model.onnx", "metadata.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    raw = msgspec.json.decode((first / "metadata.json").read_bytes())
    assert raw["trained_from"] == {  # with what makes it not the config as written
        "config": "category-cnn-classes",
        "seed": 1,
        "overrides": SMALL,
        "subset": ["data.train_limit=2000", "data.test_limit=500"],
    }
    assert not {"created_at", "source_run"} & set(raw)
    captured = capfd.readouterr()
    assert "torchvision" not in captured.out + captured.err + caplog.text


def test_curves_separate_the_losses_and_say_whether_batches_were_augmented(tmp_path: Path, monkeypatch) -> None:
    from training.category import report

    figures = []
    monkeypatch.setattr(report, "save_figure", lambda fig, path, dpi: figures.append(fig))
    history = [
        {"epoch": e, "train_loss": 0.8 / e, "validation_loss": 0.1 / e, "train_accuracy": 0.8}
        | {"validation_group_accuracy": 0.97}
        for e in (1, 2, 3)
    ]
    for augmented, said in ((False, ", no augmentation"), (True, ", augmented batches")):
        report.plot_curves(history, tmp_path / "curves.png", "classes", augmented, best_epoch=3)
        objective, validation, _ = figures[-1].axes
        assert objective.get_title() == f"training loss (10 classes{said})"
        # Each loss on its own axis: the 10-class objective never shares a scale with the group NLL.
        assert [list(line.get_ydata()) for line in objective.get_lines()][0] == [0.8, 0.4, 0.8 / 3]
        assert [list(line.get_ydata()) for line in validation.get_lines()][0] == [0.1, 0.05, 0.1 / 3]
        for ax in figures[-1].axes:
            assert list(ax.get_xticks()) == [1, 2, 3]  # no epoch 1.5
    report.plot_curves(history[:1], tmp_path / "curves.png", "groups", None)  # one epoch, no config
    assert figures[-1].axes[0].get_title() == "training loss (5 groups)"
    assert [list(ax.get_xticks()) for ax in figures[-1].axes] == [[1]] * 3
    history = [h | {"epoch": e} for e, h in enumerate(history * 10, start=1)]  # a long run: 30 epochs
    report.plot_curves(history, tmp_path / "curves.png", "classes", True)
    figures[-1].canvas.draw()
    assert all(float(t).is_integer() for ax in figures[-1].axes for t in ax.get_xticks())
