"""The task registry: every model's lazily imported entry points name functions that exist, and
registering the models imports none of the heavy libraries."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import fields

from tests.conftest import ROOT
from training.task import Lazy
from training.tasks import TASKS


def test_every_lazy_entry_point_resolves_to_a_function() -> None:
    for task in TASKS.values():
        for field in fields(task):
            value = getattr(task, field.name)
            if isinstance(value, Lazy):
                assert callable(value.resolve()), f"{task.name}.{field.name}: {value.target}"


def test_registering_the_models_imports_no_heavy_library() -> None:
    code = (
        "import sys, training.tasks; "
        "print(sorted(m for m in ('sklearn', 'torch', 'pandas', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
