"""A newcomer's mistakes with `python -m training` (make train, make export, make drift), through
the real command line as a user types it: each is one line on stderr naming the problem and the
fix, no traceback (unless CATALOGUE_DEBUG=1), an exit status that is not success, and nothing
left behind: no run directory, no `runs/latest` moved, no artifact. (The catalog and gunicorn
mistakes are in tests/test_cli_errors.py.)"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.command_line import LOG_ERROR, clean_env, described_options, the_error
from tests.conftest import ROOT, run_training

PATTERN = ROOT / "training" / "configs" / "pattern.toml"
CATEGORY = ROOT / "training" / "configs" / "category-linear.toml"
DATA_HINT = "set DATA_DIR to the folder holding asos/ and fashion-mnist/ (see README)"
SMALL = [
    *("--set", 'search.grid={"clf__alpha"=[1e-4]}'),
    *("--set", "search.n_splits=2"),
    *("--set", "evaluation.cv_folds=2"),
    *("--set", "search.verbose=0"),
]


@pytest.mark.parametrize(
    ("config", "missing"),
    [(PATTERN, "asos/exercise_train.tsv"), (CATEGORY, "fashion-mnist/train-images-idx3-ubyte.gz")],
)
def test_train_without_data_says_to_set_data_dir(config: Path, missing: str, tmp_path: Path) -> None:
    nowhere = tmp_path / "nowhere"
    env = clean_env(DATA_DIR=str(nowhere), RUNS_DIR=str(tmp_path / "runs"))
    result = run_training(["train", "--config", str(config)], env)
    assert result.returncode == 2
    assert the_error(result.stderr) == f"data file {nowhere / missing} not found: {DATA_HINT}"
    assert not (tmp_path / "runs").exists()


def test_train_with_the_default_data_dir_names_the_relative_path(tmp_path: Path) -> None:
    env = clean_env(RUNS_DIR=str(tmp_path / "runs"))
    env.pop("DATA_DIR", None)
    result = subprocess.run(
        [sys.executable, "-m", "training", "train"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 2
    assert the_error(result.stderr) == f"data file data/asos/exercise_train.tsv not found: {DATA_HINT}"


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory, env_with_data: dict[str, str]) -> Path:
    """A real, small pattern run: what `make export` and a failing second run meet."""
    runs = tmp_path_factory.mktemp("runs")
    result = run_training(["train", *SMALL], clean_env(DATA_DIR=env_with_data["DATA_DIR"], RUNS_DIR=str(runs)))
    assert result.returncode == 0, result.stderr[-3000:]
    return (runs / "latest").resolve()


@pytest.mark.slow
def test_export_without_data_says_to_set_data_dir(finished_run: Path, tmp_path: Path) -> None:
    nowhere = tmp_path / "nowhere"
    artifacts = tmp_path / "artifacts"
    env = clean_env(DATA_DIR=str(nowhere), RUNS_DIR=str(finished_run.parent))
    result = run_training(["export", "--artifact-dir", str(artifacts)], env)
    assert result.returncode == 2
    assert the_error(result.stderr) == f"data file {nowhere / 'asos/exercise_train.tsv'} not found: {DATA_HINT}"
    assert not artifacts.exists()


@pytest.mark.parametrize(
    ("config", "override", "expected"),
    [
        (PATTERN, "model.alpha=-1", "--set model.alpha=-1: Expected `float` > 0.0 - at `$.model.alpha`"),
        (
            CATEGORY,
            "data.train_limit=5",
            "--set data.train_limit=5: data.train_limit=5 is too small for a stratified split of the 10 classes "
            "with data.validation_fraction=0.1 (every class needs a training and a validation image): "
            "use 0 (all 60000 images) or at least 55",
        ),
        (
            PATTERN,
            'search.grid={"clf__alpha"=[1e-4, -1e-4]}',
            '--set search.grid={"clf__alpha"=[1e-4, -1e-4]}: search.grid.clf__alpha: the value -0.0001 cannot work: '
            "Expected `float` > 0.0 (as model.alpha)",
        ),
        (
            PATTERN,
            "search.n_splits=2000",
            "--set search.n_splits=2000: search.n_splits=2000 stratified folds cannot be made from {data}, "
            "whose most common label has 1088 products: use at most 1088",
        ),
        (
            PATTERN,
            "evaluation.holdout_fraction=0.001",
            "--set evaluation.holdout_fraction=0.001: evaluation.holdout_fraction=0.001 splits the 3049 training "
            "products into 3045 + 4, and a stratified split needs at least one product of each of the 9 labels on "
            "both sides: use a fraction from 0.003 to 0.997",
        ),
        (
            PATTERN,
            "data.train_file=asos/typo.tsv",
            "--set data.train_file=asos/typo.tsv: data file {root}/asos/typo.tsv not found: data.train_file is "
            "relative to DATA_DIR ({root}): fix data.train_file",
        ),
        (
            CATEGORY,
            "train.learning_rate=0",
            "--set train.learning_rate=0: Expected `float` > 0.0 - at `$.train.learning_rate`",
        ),
    ],
)
def test_impossible_values_are_refused_before_a_run_starts(
    config: Path, override: str, expected: str, tmp_path: Path, env_with_data: dict[str, str]
) -> None:
    root = env_with_data["DATA_DIR"]
    env = clean_env(DATA_DIR=root, RUNS_DIR=str(tmp_path / "runs"))
    result = run_training(["train", "--config", str(config), "--set", override], env)
    assert result.returncode == 2
    error = the_error(result.stderr)
    assert error == expected.replace("{root}", root).replace("{data}", str(Path(root) / "asos/exercise_train.tsv"))
    assert str(config) not in error  # the override is the mistake, not the file
    assert not (tmp_path / "runs").exists()


def test_a_mistake_in_a_config_file_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "my-exp.toml"
    config.write_text(PATTERN.read_text().replace("alpha = 1e-3", "alpha = -1e-3"))
    env = clean_env(DATA_DIR=str(tmp_path), RUNS_DIR=str(tmp_path / "runs"))
    result = run_training(["train", "--config", str(config), "--set", "name=mine"], env)
    assert result.returncode == 2
    assert the_error(result.stderr) == f"{config}: Expected `float` > 0.0 - at `$.model.alpha`"


def test_missing_config_file_and_unknown_run(tmp_path: Path) -> None:
    env = clean_env(DATA_DIR=str(tmp_path), RUNS_DIR=str(tmp_path / "runs"))
    result = run_training(["train", "--config", "nope.toml"], env)
    assert result.returncode == 2
    assert the_error(result.stderr).startswith("config file not found: nope.toml: pass --config a TOML file such as ")
    result = run_training(["export", "--run", "nope"], env)
    assert result.returncode == 2
    assert the_error(result.stderr) == (
        f"no run at {tmp_path / 'runs' / 'nope'}: give a run id listed by `make runs` (or a path to one), "
        "or run `make train` first"
    )
    result = run_training(["export"], env)
    assert result.returncode == 2
    assert (
        the_error(result.stderr)
        == f"no finished runs under {tmp_path / 'runs'}: run `make train` first (or set RUNS_DIR)"
    )


def test_drift_without_an_exported_model_says_to_export_one(tmp_path: Path) -> None:
    window = tmp_path / "window.json"
    window.write_text('[{"name": "Floral dress", "description": "Cotton", "product_id": 1}]')
    args = ["drift", "--model", "pattern", "--window", str(window), "--artifact-dir", str(tmp_path / "none")]
    result = run_training([*args, "--out", str(tmp_path / "drift")], clean_env(DATA_DIR=str(tmp_path)))
    assert result.returncode == 2
    assert the_error(result.stderr) == (
        f"{tmp_path / 'none' / 'pattern'}: no metadata.json: export one first (`make export`) or pass --artifact-dir"
    )


def test_catalogue_debug_adds_the_traceback(tmp_path: Path) -> None:
    env = clean_env(DATA_DIR=str(tmp_path), RUNS_DIR=str(tmp_path / "runs"), CATALOGUE_DEBUG="1")
    result = run_training(["train", "--set", "model.alpha=-1"], env)
    assert result.returncode == 2
    assert "Traceback (most recent call last)" in result.stderr
    assert "--set model.alpha=-1: Expected `float` > 0.0 - at `$.model.alpha`" in result.stderr.splitlines()[0]


def _runs_listing(root: Path) -> dict[str, str]:
    return {p.name: os.readlink(p) if p.is_symlink() else "" for p in root.iterdir()}


@pytest.mark.slow
def test_a_run_failing_midway_leaves_no_directory_and_latest_on_the_finished_run(
    finished_run: Path, env_with_data: dict[str, str]
) -> None:
    runs = finished_run.parent
    before = _runs_listing(runs)
    # No term is in 99% of the products: every grid fit fails once the search is under way.
    failing = [*SMALL, "--set", 'search.grid={"tfidf_vect__min_df"=[0.99]}', "--set", "name=failing"]
    result = run_training(["train", *failing], clean_env(DATA_DIR=env_with_data["DATA_DIR"], RUNS_DIR=str(runs)))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "level=ERROR" in line]
    assert errors == [result.stderr.strip().splitlines()[-1]]
    assert re.fullmatch(
        r"unexpected ValueError: All the 2 fits failed\. \.\.\. .*no terms remain.* "
        r"\(set CATALOGUE_DEBUG=1 for the traceback\)",
        LOG_ERROR.sub("", errors[0]),
    ), errors[0]
    assert _runs_listing(runs) == before  # no failing-* directory, links untouched
    assert (runs / "latest").resolve() == (runs / "latest-pattern").resolve() == finished_run


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "code", "message"), [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated (SIGTERM)")]
)
def test_a_stopped_run_leaves_no_directory(
    sig: signal.Signals, code: int, message: str, finished_run: Path, env_with_data: dict[str, str]
) -> None:
    runs = finished_run.parent
    before = _runs_listing(runs)
    env = clean_env(DATA_DIR=env_with_data["DATA_DIR"], RUNS_DIR=str(runs))
    process = subprocess.Popen(
        [sys.executable, "-m", "training", "train", "--set", "search.n_jobs=1", "--set", "name=stopped"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as from a terminal, even under a job
    )
    assert process.stderr is not None
    for line in process.stderr:  # the run has its directory once it says so
        if "grid search" in line or "base fit" in line:
            break
    assert any(p.name.endswith("-stopped+search.n_jobs=1") for p in runs.iterdir())  # its overrides name it
    process.send_signal(sig)
    rest = process.communicate(timeout=120)[1]
    assert process.returncode == code
    assert rest.strip().splitlines()[-1].endswith(f"level=ERROR logger=training {message}"), rest
    assert _runs_listing(runs) == before
    assert (runs / "latest").resolve() == finished_run


# --- help --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "module"),
    [(["python", "-m", "training", sub], "training.cli") for sub in ("train", "runs", "export")],
)
def test_every_option_is_described_in_help(command: list[str], module: str) -> None:
    import importlib

    parser = importlib.import_module(module)._parser()
    subparsers = next(a for a in parser._actions if a.choices and isinstance(a.choices, dict))
    options = {o for action in subparsers.choices[command[-1]]._actions for o in action.option_strings}
    argv = [sys.executable, *command[1:]]
    result = subprocess.run(
        [*argv, "--help"], cwd=ROOT, env=clean_env(COLUMNS="100"), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    described = described_options(result.stdout)
    assert set(described) == options
    assert all(len(text) > 10 for text in described.values()), described
