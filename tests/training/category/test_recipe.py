"""The parts of the category recipe beyond a plain network: random erasing, the EMA of the
weights, and test-time flip averaging, which travels into the exported graph."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from inference.image_classification import ImageClassificationRuntime
from tests.conftest import ROOT, run_training
from training.category.export.export import export_category_run
from training.category.models import FlipAveraged, cnn
from training.category.train import ema_with_warmup, erase
from training.config import load_config
from training.export.target import ExportTarget

RECIPE = ROOT / "training" / "configs" / "category-long-recipe.toml"
SMALL = ["data.train_limit=2000", "data.test_limit=500", "train.epochs=2", "model.width=8", "evaluation.photo_size=56"]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_erasing_blanks_one_rectangle_of_2_to_25_percent(seed: int) -> None:
    batch = torch.ones(64, 1, 28, 28)
    erased = erase(batch, torch.Generator().manual_seed(seed), probability=1.0)
    for image in erased[:, 0]:
        rows, cols = np.nonzero((image == 0).numpy())
        height, width = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
        assert len(rows) == height * width  # one solid rectangle, nothing else touched
        assert 0.02 * 784 * 0.5 <= len(rows) <= 0.25 * 784 * 1.5  # the area range, give or take rounding
    assert torch.equal(erased[erased != 0], batch[erased != 0])


def test_erasing_touches_the_fraction_of_images_it_is_given() -> None:
    batch = torch.ones(4000, 1, 28, 28)
    untouched = erase(batch, torch.Generator().manual_seed(1), probability=0.0)
    assert torch.equal(untouched, batch)
    erased = erase(batch, torch.Generator().manual_seed(1), probability=0.3)
    fraction = float((erased.flatten(1).min(1).values == 0).float().mean())
    assert 0.27 < fraction < 0.33


def test_the_ema_follows_early_weights_then_decays_at_its_rate() -> None:
    update = ema_with_warmup(0.999)
    for n, expected_decay in ((1, 2 / 11), (10, 11 / 20), (100_000, 0.999)):
        averaged, current = [torch.zeros(3)], [torch.ones(3)]
        update(averaged, current, torch.tensor(n))
        assert torch.allclose(averaged[0], torch.full((3,), 1 - expected_decay)), n


def test_flip_averaging_makes_the_prediction_mirror_invariant_only_when_evaluated() -> None:
    torch.manual_seed(0)
    network = cnn(10, 8).eval()
    averaged = FlipAveraged(network).eval()
    images = torch.rand(6, 1, 28, 28)
    with torch.no_grad():
        assert torch.allclose(averaged(images), averaged(images.flip(-1)), atol=1e-6)
        assert not torch.allclose(network(images), network(images.flip(-1)), atol=1e-3)
        expected = (network(images) + network(images.flip(-1))) / 2
        assert torch.allclose(averaged(images), expected, atol=1e-6)
        averaged.train()
        network.train()
        torch.manual_seed(1)
        trained_as = averaged(images)
        torch.manual_seed(1)
        assert torch.equal(trained_as, network(images))  # one pass, as trained (same dropout draws)


@pytest.fixture(scope="module")
def recipe_run(tmp_path_factory: pytest.TempPathFactory, env_with_data: dict[str, str], fashion_dir: Path) -> Path:
    runs = tmp_path_factory.mktemp("runs")
    args = ["train", "--config", str(RECIPE), *(f"--set={s}" for s in SMALL), "--set=train.ema_decay=0.9"]
    result = run_training(args, {**env_with_data, "RUNS_DIR": str(runs), "DATA_DIR": str(fashion_dir.parent)})
    assert result.returncode == 0, result.stderr[-3000:]
    return (runs / "latest-category").resolve()


@pytest.mark.slow
def test_the_recipe_exports_through_the_gate_with_flip_averaging_in_the_graph(
    recipe_run: Path, tmp_path: Path, fashion_dir: Path, monkeypatch
) -> None:
    monkeypatch.setenv("DATA_DIR", str(fashion_dir.parent))
    config = load_config(recipe_run / "config.toml")
    assert config.model.flip_average and config.train.random_erasing == 0.5
    model_dir = export_category_run(recipe_run, ExportTarget.of_run(recipe_run, tmp_path, "category"))
    runtime = ImageClassificationRuntime(model_dir)
    images = np.random.default_rng(3).random((8, 1, 28, 28), dtype=np.float32)
    plain, mirrored = runtime.probabilities(images), runtime.probabilities(images[..., ::-1].copy())
    assert np.abs(plain - mirrored).max() < 1e-5  # the served graph averages each image with its mirror


@pytest.mark.slow
def test_the_curve_puts_accuracy_beside_training_minutes_and_served_cost(recipe_run: Path, tmp_path: Path) -> None:
    from training.category import curve

    out = tmp_path / "curve"
    assert curve.main([str(recipe_run), "--out", str(out), "--reference", str(ROOT / "artifacts" / "category")]) == 0
    rows = (out / "curve.md").read_text().splitlines()
    (row,) = [r for r in rows if r.startswith("| category-long-recipe data.train_limit=2000 ")]
    cells = [c.strip() for c in row.split("|")[1:-1]]
    metrics = json.loads((recipe_run / "metrics.json").read_text())
    assert cells[1] == "1" and cells[4] == f"{metrics['test']['accuracy']:.4f}"  # one seed: no spread
    assert float(cells[5]) > 0 and float(cells[6]) > 0 and cells[7].endswith("x")
    assert rows[-1].startswith("| *served today*") and (out / "curve.png").stat().st_size > 10_000


def test_the_curve_names_a_run_it_cannot_find(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    from training.category import curve

    monkeypatch.setenv("RUNS_DIR", str(tmp_path))
    assert curve.main(["no-such-run", "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "no run at" in error and "`make runs`" in error
    assert not (tmp_path / "out").exists()
