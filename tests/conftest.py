"""Shared fixtures. Tests that need the data sets fail (not skip) when CI=true and the
data is missing, so a CI run can never pass by testing nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


def _data_dir() -> Path:
    if "DATA_DIR" in os.environ:
        return Path(os.environ["DATA_DIR"]).resolve()
    return SHARED_DATA if SHARED_DATA.is_dir() else ROOT / "data"


def require(path: Path, what: str) -> Path:
    if path.exists():
        return path
    message = f"{what} not found at {path}; set DATA_DIR"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def require_tool(name: str, install: str) -> str:
    """The path of a command-line tool the test needs; `install` says how to get it."""
    path = shutil.which(name)
    if path is not None:
        return path
    message = f"{name} not found: {install}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    root = _data_dir()
    require(root / "asos" / "exercise_train.tsv", "ASOS training data")
    return root


@pytest.fixture(scope="session")
def fashion_dir() -> Path:
    directory = _data_dir() / "fashion-mnist"
    require(directory / "t10k-images-idx3-ubyte.gz", "Fashion-MNIST IDX files")
    return directory


@pytest.fixture(scope="session")
def fashion_test(fashion_dir: Path):
    from training.category.idx import load_split

    return load_split(fashion_dir, "test")


@pytest.fixture(scope="session")
def env_with_data(data_dir: Path) -> dict[str, str]:
    return {**os.environ, "DATA_DIR": str(data_dir)}


def run_training(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "training", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="session")
def prototype_run(tmp_path_factory: pytest.TempPathFactory, env_with_data: dict[str, str]) -> Path:
    """The default experiment, run once through the CLI exactly as `make train` runs it."""
    runs = tmp_path_factory.mktemp("runs")
    result = run_training(["train"], {**env_with_data, "RUNS_DIR": str(runs)})
    assert result.returncode == 0, result.stderr[-3000:]
    return (runs / "latest").resolve()


@pytest.fixture(scope="session")
def exported_artifacts(
    tmp_path_factory: pytest.TempPathFactory, prototype_run: Path, env_with_data: dict[str, str]
) -> Path:
    """The prototype run exported through the CLI exactly as `make export` does it."""
    artifacts = tmp_path_factory.mktemp("artifacts")
    result = run_training(["export", "--run", str(prototype_run), "--artifact-dir", str(artifacts)], env_with_data)
    assert result.returncode == 0, result.stderr[-3000:]
    return artifacts


@pytest.fixture(scope="session")
def challenger_run(tmp_path_factory: pytest.TempPathFactory, env_with_data: dict[str, str]) -> Path:
    """The pattern challenger, trained through the CLI from its config as the README says."""
    runs = tmp_path_factory.mktemp("challenger-runs")
    config = ROOT / "training" / "configs" / "pattern-challenger.toml"
    result = run_training(["train", "--config", str(config)], {**env_with_data, "RUNS_DIR": str(runs)})
    assert result.returncode == 0, result.stderr[-3000:]
    return (runs / "latest-pattern-challenger").resolve()
