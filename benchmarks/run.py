"""`make bench`: this server vs the brief's template approach vs a bare Litestar handler.

Each server runs one gunicorn/uvicorn worker pinned to core 0; wrk (one thread) runs on
core 1. Servers are measured round-robin for several rounds and the median is reported,
because the machine is shared and noisy. Also times in-process inference per product.

This module is the sequence of a run; each step is its own module (options, payloads,
rounds → servers → wrk, measurement, report, memory, inprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from benchmarks import options as command_line
from benchmarks import rounds, wrk
from benchmarks.inprocess import category_inprocess_table, inprocess_table
from benchmarks.machine import describe
from benchmarks.memory import measure as measure_memory
from benchmarks.options import Options
from benchmarks.paths import ARTIFACTS, ROOT, WORK
from benchmarks.payloads import image_bodies, product_bodies, v2_product_bodies, v2_text_bodies, wrk_script
from benchmarks.report import category_section, products_section

CATEGORY_PAYLOADS = {1: 200, 32: 10}  # images per request: bodies in rotation
# Fits and pickles the template's scikit-learn pipeline, in a process of its own: fitting takes
# seconds and memory the measuring process has no use for.
TEMPLATE_FIT = "benchmarks.template_model"


def main() -> int:
    options = command_line.parse()
    if not wrk.installed():
        sys.exit(wrk.INSTALL)
    WORK.mkdir(parents=True, exist_ok=True)
    data = Path(os.environ.get("DATA_DIR", "data"))
    test_tsv = data / "asos" / "exercise_test.tsv"
    if not test_tsv.is_file():
        sys.exit(f"benchmarks: {test_tsv} not found: set DATA_DIR to the folder holding asos/ and fashion-mnist/")
    model_pickle = _template_pickle(WORK / "model.pkl")
    scripts = {
        bodies: {
            "1 product": wrk_script(make(test_tsv, 1, 200), WORK / f"single{suffix}.lua"),
            "100 products": wrk_script(make(test_tsv, 100, 20), WORK / f"batch{suffix}.lua"),
        }
        for bodies, make, suffix in (
            ("brief", product_bodies, ""),
            ("v2", v2_product_bodies, "-v2"),
            ("v2 text", v2_text_bodies, "-v2-text"),
        )
    }
    results = rounds.products(scripts, options, {"BENCH_TEMPLATE_MODEL": str(model_pickle)}, model_pickle)
    inprocess = inprocess_table(ARTIFACTS / "pattern", model_pickle, test_tsv)
    category = _category(options, data / "fashion-mnist")
    memory = measure_memory(options.memory_seconds, data) if options.memory_seconds else ""
    report = products_section(results, options, inprocess, describe()) + category + memory
    Path(options.out).write_text(report)
    print(report)
    return 0


def _template_pickle(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", TEMPLATE_FIT, str(ARTIFACTS / "pattern"), str(path)], cwd=ROOT, check=True)
    return path


def _category(options: Options, fashion_dir: Path) -> str:
    """POST /predict/category on this server: images per second, photos of 112×112 PNG."""
    scripts = {
        n: wrk_script(image_bodies(fashion_dir, n, count), WORK / f"category-{n}.lua")
        for n, count in CATEGORY_PAYLOADS.items()
    }
    results = rounds.category(scripts, options)
    return category_section(results, options, category_inprocess_table(ARTIFACTS / "category", fashion_dir))


if __name__ == "__main__":
    sys.exit(main())
