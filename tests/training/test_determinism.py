"""Committed outputs change only when what they describe changes: `make eda` run again writes the
same bytes whatever the machine's core count, an export of the same run writes the same
metadata, and the generated text behind the export gate depends on the model alone. Plus the
one-line message of `make eda` without data, and what the committed plots must show."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from contract.artifact import FORMAT_VERSION, METADATA_FILE, ONNX_FILE
from tests.conftest import ROOT
from training.export.target import ExportTarget
from training.pattern.export.export import export_pattern_run

EDA_SUBSET = ["--train-limit", "3000", "--test-limit", "1000", "--tsne-sample", "300"]


def _eda(out: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "training.category.eda", "--out", str(out), *EDA_SUBSET],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_eda_twice_writes_the_same_bytes_whatever_the_thread_count(fashion_dir: Path, tmp_path: Path) -> None:
    """t-SNE and BLAS sum in a thread-count-dependent order and an unconverged model amplifies
    the last bits: the EDA pins one thread and converges, so these two runs must agree."""
    base = {**os.environ, "DATA_DIR": str(fashion_dir.parent)}
    first = _eda(tmp_path / "first", {**base, "PYTHONHASHSEED": "1"})
    one_thread = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "PYTHONHASHSEED": "2"}
    second = _eda(tmp_path / "second", {**base, **one_thread})
    for result in (first, second):
        assert result.returncode == 0, result.stderr[-3000:]
        assert "Warning" not in result.stderr, result.stderr  # ConvergenceWarning above all
    files = sorted(p.name for p in (tmp_path / "first").iterdir())
    assert {"README.md", "embedding.png", "simple_confusion.png", "near_duplicates.png"} <= set(files)
    assert files == sorted(p.name for p in (tmp_path / "second").iterdir())
    differing = [n for n in files if (tmp_path / "first" / n).read_bytes() != (tmp_path / "second" / n).read_bytes()]
    assert not differing, f"a second `make eda` rewrote {differing}"
    text = (tmp_path / "first" / "README.md").read_text()
    facts = json.loads(text.split("```json\n", 1)[1].split("\n```", 1)[0])
    assert facts["simple"]["iterations"] < facts["simple"]["max_iterations"]  # converged
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}", text)  # no date, no clock


@pytest.mark.parametrize("present", ["nothing", "the IDX files"])
def test_eda_without_data_says_what_is_missing_in_one_line(present: str, tmp_path: Path) -> None:
    directory = tmp_path / "fashion-mnist"
    directory.mkdir()
    if present == "the IDX files":  # names are all the check looks at before reading
        for name in ("train-images-idx3", "train-labels-idx1", "t10k-images-idx3", "t10k-labels-idx1"):
            (directory / f"{name}-ubyte.gz").touch()
    result = _eda(tmp_path / "out", {**os.environ, "DATA_DIR": str(tmp_path)})
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert "('" not in lines[0] and "Traceback" not in lines[0]  # no printed Python tuple
    if present == "nothing":
        assert f"{directory / 'train-images-idx3-ubyte.gz'} not found" in lines[0]
        assert "set DATA_DIR" in lines[0] and "README" in lines[0]
    else:
        assert f"{directory / 'SHA256SUMS.uncompressed'} not found" in lines[0] and "README" in lines[0]
    assert not (tmp_path / "out").exists()


def _metadata_bytes(model_dir: Path) -> tuple[bytes, bytes]:
    return (model_dir / METADATA_FILE).read_bytes(), (model_dir / ONNX_FILE).read_bytes()


@pytest.mark.slow
def test_export_of_the_same_run_twice_writes_the_same_metadata(
    prototype_run: Path, exported_artifacts: Path, env_with_data: dict[str, str], tmp_path: Path, monkeypatch
) -> None:
    """The CLI export (a fresh process) and this one (pytest's process, with many more of the
    project's modules imported, a later clock) must write identical files."""
    monkeypatch.setenv("DATA_DIR", env_with_data["DATA_DIR"])
    again = export_pattern_run(prototype_run, ExportTarget.of_run(prototype_run, tmp_path, "pattern"))
    assert _metadata_bytes(again) == _metadata_bytes(exported_artifacts / "pattern")
    raw = msgspec.json.decode((again / METADATA_FILE).read_bytes())
    assert raw["format_version"] == FORMAT_VERSION
    assert not {"created_at", "source_run"} & set(raw)  # the moment and the local run directory
    assert raw["trained_from"] == {"config": "pattern-prototype", "seed": 42}
    assert raw["library_versions"]["python"].count(".") == 1  # 3.11, not the machine's patch release


GENERATED = """
import hashlib, sys
from pathlib import Path
from inference.text_classification import TextClassificationRuntime
from training.pattern.export import equivalence
from training.pattern.model_file import load_model
exec(sys.argv[3])  # more of the project imported, or not
digest, compare = hashlib.sha256(), equivalence.compare
def recording(reference, runtime, products):
    digest.update(repr(products).encode())
    return compare(reference, runtime, products)
equivalence.compare = recording
check = equivalence.check_generated(load_model(Path(sys.argv[1])), TextClassificationRuntime(Path(sys.argv[2])), 100)
print(check.products, check.max_abs_probability_diff, digest.hexdigest())
"""


@pytest.mark.slow
def test_generated_text_does_not_depend_on_the_projects_other_modules(
    prototype_run: Path, exported_artifacts: Path
) -> None:
    """Hypothesis draws literals from the project's imported modules unless told not to: then an
    edit anywhere in the repository, or one more import, changed the gate's examples (and the
    count and largest difference the metadata records)."""
    outputs = {
        subprocess.run(
            [sys.executable, "-c", GENERATED, str(prototype_run), str(exported_artifacts / "pattern"), extra],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        ).stdout
        for extra in (
            "pass",
            "import catalog.cli, training.category.eda",
            "import catalog.cli, training.category.eda, training.drift.report, training.pattern.report",
        )
    }
    assert len(outputs) == 1, outputs


def test_per_class_f1_plot_shows_the_held_out_counts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from training.pattern import report

    figures = []
    monkeypatch.setattr(report, "save_figure", lambda fig, path, dpi: figures.append(fig))
    labels = ["Floral", "Placement"]
    per_class = {"Floral": {"f1": 0.84, "support": 109}, "Placement": {"f1": 0.43, "support": 10}}
    report._plot_f1(tmp_path / "f1.png", {"labels": labels, "per_class": per_class, "macro_f1": 0.635})
    (ax,) = figures[0].axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Floral (n=109)", "Placement (n=10)"]
    assert ax.get_legend() is None  # nothing drawn over the bars
    assert "macro-F1 0.635" in ax.get_title()
    assert {t.get_text() for t in ax.texts} >= {"0.84", "0.43"}
