"""What ships: the Docker entrypoint is the command the server tests run, the image installs
serving dependencies only, and the Makefile serves the same way."""

from __future__ import annotations

import json
import re
import tomllib

from tests.conftest import ROOT
from tests.server_process import ENTRYPOINT


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_docker_entrypoint_is_the_tested_command() -> None:
    entrypoint = re.search(r"^ENTRYPOINT (\[.*\])$", _dockerfile(), re.M)
    assert entrypoint is not None, "the Dockerfile has no ENTRYPOINT"
    assert json.loads(entrypoint.group(1)) == ENTRYPOINT


def test_makefile_serves_with_the_same_command() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "gunicorn -c python:server.gunicorn_conf 'server.app:create_server()'" in makefile


def test_image_is_multi_stage_non_root_with_readiness_healthcheck() -> None:
    dockerfile = _dockerfile()
    assert len(re.findall(r"^FROM ", dockerfile, re.M)) == 2
    assert re.search(r"^USER app$", dockerfile, re.M)
    healthcheck = re.search(r"^HEALTHCHECK.*(\n\s+.*)*", dockerfile, re.M)
    assert healthcheck is not None and "/health/ready" in healthcheck.group(0)
    assert "COPY --chown=app:app artifacts" in dockerfile


def test_serving_dependencies_exclude_training_libraries() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    serving = " ".join(project["dependencies"]).lower()
    for library in ("scikit-learn", "skl2onnx", "torch", "pandas", "matplotlib", "pydantic", "fastapi"):
        assert library not in serving
    assert "install -c requirements.lock ." in _dockerfile()  # no extras in the image


def test_image_holds_the_serving_packages_and_no_training_code() -> None:
    copied = set(re.findall(r"^COPY (?!--)(\S+) \./", _dockerfile(), re.M))
    assert {"contract", "inference", "server"} <= copied
    assert not copied & {"training", "catalog", "benchmarks", "loadtest", "tests", "."}
