"""`make drift`: a window drawn like the training data passes, a shifted one is flagged, for both
models, through the CLI; and the statistics behind it."""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from contract.fashion_groups import to_groups
from tests.conftest import run_training
from training.category.idx import Split
from training.category.photos import as_photo, encode
from training.drift.sample import Sample
from training.drift.stats import compare_classes, compare_numeric, psi


def test_psi_is_zero_for_equal_shares_and_grows_with_shift() -> None:
    even = np.full(10, 0.1)
    assert psi(even, even) == pytest.approx(0.0)
    assert 0.0 < psi(even, np.r_[0.2, np.full(9, 0.8 / 9)]) < psi(even, np.r_[0.6, np.full(9, 0.4 / 9)])


def test_numeric_and_class_comparisons() -> None:
    rng = np.random.default_rng(0)
    reference = rng.normal(0, 1, 5000)
    assert not compare_numeric("x", reference, rng.normal(0, 1, 500)).drifted
    assert compare_numeric("x", reference, rng.normal(1, 1, 500)).drifted
    labels = ["a", "b", "c"]
    ref = ["a"] * 500 + ["b"] * 300 + ["c"] * 200
    assert not compare_classes("y", labels, ref, ["a"] * 52 + ["b"] * 29 + ["c"] * 19).drifted
    assert compare_classes("y", labels, ref, ["a"] * 5 + ["b"] * 15 + ["c"] * 80).drifted


def _drift(model: str, window: list[dict], tmp_path: Path, env: dict[str, str]) -> tuple[int, dict[str, bool]]:
    path = tmp_path / f"{model}-window.json"
    path.write_text(json.dumps(window))
    out = tmp_path / "drift"
    result = run_training(["drift", "--model", model, "--window", str(path), "--out", str(out)], env)
    assert result.returncode in (0, 3), result.stderr[-2000:]
    assert (out / model / "drift.md").is_file() and (out / model / "drift.png").is_file()
    verdicts = {d["feature"]: d["drifted"] for d in json.loads((out / model / "drift.json").read_text())}
    return result.returncode, verdicts


def test_pattern_window_like_training_passes(data_dir: Path, env_with_data: dict[str, str], tmp_path: Path) -> None:
    frame = pd.read_table(data_dir / "asos" / "exercise_test.tsv")  # products the model never saw
    items = [{"name": n, "description": d} for n, d in zip(frame["name"], frame["description"], strict=True)]
    code, verdicts = _drift("pattern", random.Random(0).sample(items, 400), tmp_path, env_with_data)
    assert code == 0 and not any(verdicts.values()), verdicts


def test_pattern_shifted_window_is_flagged(data_dir: Path, env_with_data: dict[str, str], tmp_path: Path) -> None:
    # Only striped and checked products, descriptions cut to their first clause.
    frame = pd.read_table(data_dir / "asos" / "exercise_train.tsv")
    frame = frame[frame["pattern"].isin(["Stripe", "Check"])]
    items = [
        {"name": n, "description": d.split(";")[0]} for n, d in zip(frame["name"], frame["description"], strict=True)
    ]
    code, verdicts = _drift("pattern", items[:400], tmp_path, env_with_data)
    assert code == 3
    assert verdicts["predicted pattern"] and verdicts["text length (characters)"]


def _photos(split: Split, indices: np.ndarray) -> list[dict]:
    return [
        {"product_id": int(i), "image": base64.b64encode(encode(as_photo(split.images[i], 112))).decode()}
        for i in indices
    ]


@pytest.mark.slow
def test_category_window_like_training_passes(
    fashion_test: Split, env_with_data: dict[str, str], tmp_path: Path
) -> None:
    indices = np.random.default_rng(1).choice(len(fashion_test.labels), 600, replace=False)
    code, verdicts = _drift("category", _photos(fashion_test, indices), tmp_path, env_with_data)
    assert code == 0 and not any(verdicts.values()), verdicts


@pytest.mark.slow
def test_category_shifted_window_is_flagged(fashion_test: Split, env_with_data: dict[str, str], tmp_path: Path) -> None:
    footwear = np.flatnonzero(to_groups(fashion_test.labels) == 3)[:600]  # a shoe-only catalogue feed
    code, verdicts = _drift("category", _photos(fashion_test, footwear), tmp_path, env_with_data)
    assert code == 3 and verdicts["predicted group"] and verdicts["mean intensity"]


def test_bad_window_is_refused(env_with_data: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text('[{"title": "no name or description"}]')
    result = run_training(["drift", "--model", "pattern", "--window", str(path)], env_with_data)
    assert result.returncode == 2 and "pattern requests need name and description" in result.stderr


def _samples(shift: float) -> tuple[Sample, Sample]:
    rng = np.random.default_rng(0)
    labels = ["Floral", "Stripe", "Check"]
    reference = Sample({"text length": rng.normal(300, 50, 3000)}, list(rng.choice(labels, 3000, p=[0.6, 0.3, 0.1])))
    window = Sample(
        {"text length": rng.normal(300 - shift, 50, 400)},
        list(rng.choice(labels, 400, p=[0.2, 0.3, 0.5] if shift else [0.6, 0.3, 0.1])),
    )
    return reference, window


@pytest.mark.parametrize("shift", [0.0, 100.0], ids=["unshifted", "shifted"])
def test_plot_states_the_verdict_and_each_psi(shift: float, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from training.drift import report

    figures = []
    monkeypatch.setattr(report, "save_figure", lambda fig, path, dpi: figures.append(fig))
    reference, window = _samples(shift)
    report.plot(reference, window, ["Floral", "Stripe", "Check"], tmp_path / "drift.png")
    (fig,) = figures
    verdict = fig._suptitle.get_text()
    titles = [ax.get_title() for ax in fig.axes]
    expected = [
        compare_numeric("text length", reference.numeric["text length"], window.numeric["text length"]),
        compare_classes("predicted class", ["Floral", "Stripe", "Check"], reference.predictions, window.predictions),
    ]
    for title, drift in zip(titles, expected, strict=True):
        assert f"PSI {drift.psi:.3f}" in title and ("DRIFT" if drift.drifted else "no drift") in title
    if shift:
        assert verdict == "Verdict: DRIFT in text length, predicted class"
    else:
        assert verdict == "Verdict: no drift"


def test_plot_uses_the_reports_figures_when_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from training.drift import report

    figures = []
    monkeypatch.setattr(report, "save_figure", lambda fig, path, dpi: figures.append(fig))
    reference, window = _samples(100.0)
    drifts = [
        compare_numeric("text length", reference.numeric["text length"], window.numeric["text length"]),
        compare_classes("predicted pattern", ["Floral", "Stripe", "Check"], reference.predictions, window.predictions),
    ]
    report.plot(reference, window, ["Floral", "Stripe", "Check"], tmp_path / "drift.png", drifts)
    assert figures[0]._suptitle.get_text() == "Verdict: DRIFT in text length, predicted pattern"
