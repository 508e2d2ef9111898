"""The image smoke test's own checks (deploy/image/smoke.py), on made-up image filesystems: what it
refuses must really be refused. `make image-smoke` (run by .ci/run) applies them to the built image."""

from __future__ import annotations

import importlib.util
import io
import json
import sys
import tarfile
from types import ModuleType

import pytest
from PIL import Image

from tests.conftest import ROOT

SITE = "opt/venv/lib/python3.11/site-packages"
SERVING_IMAGE = [
    f"{SITE}/server/__init__.py",
    f"{SITE}/inference/__init__.py",
    f"{SITE}/contract/__init__.py",
    f"{SITE}/onnxruntime/capi/onnxruntime_pybind11_state.so",
    "app/artifacts/pattern/model.onnx",
    "app/artifacts/pattern/metadata.json",
    "app/artifacts/category/model.onnx",
]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("image_smoke", ROOT / "deploy" / "image" / "smoke.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


smoke = _load()


def _members(names: list[str]) -> list[tarfile.TarInfo]:
    members = []
    for name in names:
        member = tarfile.TarInfo("./" + name)
        member.size = 1000
        members.append(member)
    return members


def _problems(names: list[str]) -> list[str]:
    return list(smoke.problems(smoke.read_contents(_members(names), "/app")))


def test_a_serving_image_passes_and_is_measured() -> None:
    assert _problems(SERVING_IMAGE) == []
    contents = smoke.read_contents(_members(SERVING_IMAGE), "/app")
    assert contents.models == {"pattern", "category"}
    assert contents.sizes["onnxruntime"] == 1000
    assert contents.venv_bytes == 4000 and contents.total_bytes == 7000


@pytest.mark.parametrize(
    ("path", "named"),
    [
        (f"{SITE}/sklearn/__init__.py", "scikit-learn"),
        (f"{SITE}/scikit_learn-1.9.1.dist-info/METADATA", "scikit-learn"),
        (f"{SITE}/torch/lib/libtorch_cpu.so", "torch"),
        (f"{SITE}/pandas/__init__.py", "pandas"),
        (f"{SITE}/skl2onnx/__init__.py", "skl2onnx"),
        (f"{SITE}/matplotlib/__init__.py", "matplotlib"),
        (f"{SITE}/Django-5.2.19.dist-info/METADATA", "Django"),
        (f"{SITE}/training/__init__.py", "the training package"),
        ("app/training/task.py", "the training package"),
        ("app/tests/conftest.py", "the tests"),
    ],
)
def test_what_must_not_ship_is_refused(path: str, named: str) -> None:
    assert any(named in problem for problem in _problems([*SERVING_IMAGE, path]))


@pytest.mark.parametrize("missing", [f"{SITE}/server/__init__.py", "app/artifacts/category/model.onnx"])
def test_what_must_ship_is_required(missing: str) -> None:
    assert len(_problems([name for name in SERVING_IMAGE if name != missing])) == 1


def test_the_images_user_is_read_from_its_own_passwd() -> None:
    passwd = "root:x:0:0:root:/root:/bin/bash\napp:x:10001:10002::/home/app:/usr/sbin/nologin\n"
    assert smoke.user_ids("app", passwd) == (10001, 10002)
    assert smoke.user_ids("10001", passwd) == (10001, 10002)
    assert smoke.user_ids("app:7", passwd) == (10001, 7)
    assert smoke.user_ids("root", passwd) == (0, 0)
    with pytest.raises(smoke.SmokeFailure, match="nobody"):
        smoke.user_ids("nobody", passwd)


def test_errors_in_the_servers_log_are_found() -> None:
    log = "\n".join(
        [
            json.dumps({"level": "INFO", "message": "models ready"}),
            json.dumps({"level": "ERROR", "message": "model failed"}),
            "Traceback (most recent call last):",
            "plain line",
        ]
    )
    assert smoke.errors_logged(log) == log.splitlines()[1:3]


def test_the_drawn_photo_is_a_valid_png() -> None:
    image = Image.open(io.BytesIO(smoke.png(112, 112, b"\x20")))
    image.load()
    assert (image.size, image.mode) == ((112, 112), "L")
    assert image.getpixel((56, 56)) == 0x20 and image.getpixel((0, 0)) == 255
