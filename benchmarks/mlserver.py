"""Seldon MLServer, the server a team would otherwise pick for this model: its scikit-learn runtime
serving the template's pickled pipeline over the Open Inference Protocol. Installed by `make bench`
in a virtualenv of its own under benchmarks/work/ (it is no dependency of this project), with the
scikit-learn release that pickled the pipeline."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from benchmarks.paths import WORK

MLSERVER = "mlserver==1.7.1"
RUNTIME = "mlserver-sklearn==1.7.1"
VENV = WORK / "mlserver-venv"
REPOSITORY = WORK / "mlserver-models"
MODEL = "pattern"


def install() -> Path:
    """The `mlserver` command, installing it first if this venv does not have it yet."""
    command = VENV / "bin" / "mlserver"
    pins = [MLSERVER, RUNTIME, f"scikit-learn=={version('scikit-learn')}"]
    marker = VENV / "pins.txt"
    if command.exists() and marker.exists() and marker.read_text() == "\n".join(pins):
        return command
    print(f"installing {', '.join(pins)} into {VENV} (once)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    subprocess.run([str(VENV / "bin" / "pip"), "install", "--quiet", *pins], check=True)
    marker.write_text("\n".join(pins))
    return command


def repository(model_pickle: Path, port: int) -> Path:
    """A model repository with the pickled pipeline, MLServer listening on `port`; inference runs
    in the server process (parallel_workers 0), the one-worker-on-one-core set-up of the others."""
    model_dir = REPOSITORY / MODEL
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / "model.joblib").write_bytes(model_pickle.read_bytes())
    settings = {
        "name": MODEL,
        "implementation": "mlserver_sklearn.SKLearnModel",
        "parameters": {"uri": "./model.joblib"},
    }
    (model_dir / "model-settings.json").write_text(json.dumps(settings))
    server = {"http_port": port, "grpc_port": port + 1, "metrics_port": port + 2, "parallel_workers": 0}
    (REPOSITORY / "settings.json").write_text(json.dumps(server))
    return REPOSITORY
