"""`make export` for a pattern run: convert the pipeline, gate it, write metadata, then swap it
into `artifacts/pattern/`.

The candidate is built in a staging directory beside the artifact and loaded by the
server's own runtime; only if every equivalence check passes does it replace the current
model directory. A refused export leaves the previous artifact untouched.
"""

from __future__ import annotations

import logging
from pathlib import Path

import onnx
from sklearn.pipeline import Pipeline

from contract.artifact import ONNX_FILE, ArtifactMetadata, sha256_of, write_metadata
from contract.inputs import TextInput
from contract.term_counts import TERM_COUNTS_INPUT, TERM_COUNTS_SHAPE
from contract.text import TokenizerSpec
from inference.text_classification import TextClassificationRuntime
from training.config import load_config
from training.data import data_dir
from training.export.gate import ExportRefused
from training.export.metadata import artifact_metadata
from training.export.staging import staged_export
from training.export.target import ExportTarget
from training.pattern.config import PatternConfig
from training.pattern.data import TEXT_FIELDS, load_data
from training.pattern.export.equivalence import GATE, EquivalenceError, check_generated, check_products
from training.pattern.export.graph import (
    LABEL_OUTPUT,
    PROBABILITIES_OUTPUT,
    UnsupportedPipeline,
    convert_pipeline,
)
from training.pattern.model_file import load_model
from training.pattern.summary import pattern_headline
from training.pattern.task import PATTERN
from training.runs import CONFIG_FILE, read_metrics

log = logging.getLogger(__name__)

DEFAULT_GENERATED_EXAMPLES = 400
LIBRARIES = ["scikit-learn", "skl2onnx", "onnx", "onnxruntime", "numpy", "msgspec"]


def export_pattern_run(run_dir: Path, target: ExportTarget, candidate: Pipeline | None = None) -> Path:
    """Export `run_dir` to `target.artifact_dir / target.name`. The gate always compares against the run's own
    pipeline; `candidate` converts another one instead (tests use it to prove the gate rejects
    a broken conversion)."""
    config = load_config(run_dir / CONFIG_FILE)
    assert isinstance(config, PatternConfig), f"{run_dir} is not a pattern run"
    reference = load_model(run_dir)
    try:
        return staged_export(
            target.artifact_dir,
            target.name,
            lambda staging: _build(staging, run_dir, config, reference, candidate or reference, target),
        )
    except (EquivalenceError, UnsupportedPipeline) as exc:
        raise ExportRefused(str(exc)) from exc


def _build(
    staging: Path, run_dir: Path, config: PatternConfig, pipeline: Pipeline, candidate: Pipeline, target: ExportTarget
) -> None:
    model, spec = convert_pipeline(candidate)
    onnx.save(model, staging / ONNX_FILE)
    metadata = _metadata(staging, run_dir, config, pipeline, spec, target)
    write_metadata(staging, metadata)

    runtime = TextClassificationRuntime(staging)
    train, test = load_data(config)
    checks = [
        check_products("train_products", pipeline, runtime, train.products),
        check_products("test_products", pipeline, runtime, test.products),
    ]
    log.info("real products agree: %s", [(c.name, c.products, f"{c.max_abs_probability_diff:.2g}") for c in checks])
    checks.append(check_generated(pipeline, runtime, target.examples or DEFAULT_GENERATED_EXAMPLES))
    log.info(
        "generated text agrees: %d products, max |Δp| %.2g", checks[-1].products, checks[-1].max_abs_probability_diff
    )
    GATE.record(staging, metadata, checks)


def _metadata(
    staging: Path, run_dir: Path, config: PatternConfig, pipeline: Pipeline, spec: TokenizerSpec, target: ExportTarget
) -> ArtifactMetadata:
    root = data_dir()
    return artifact_metadata(
        staging,
        name=target.name,
        kind=PATTERN.kind,
        config=config,
        onnx_outputs={"label": LABEL_OUTPUT, "probabilities": PROBABILITIES_OUTPUT},
        labels=[str(c) for c in pipeline.classes_],
        model_input=TextInput(
            fields=list(TEXT_FIELDS),
            recipe="name + ';' + description, ASCII digit runs deleted (contract.text.product_text)",
            tokenizer=spec,
            onnx_input=TERM_COUNTS_INPUT,
            onnx_input_shape=TERM_COUNTS_SHAPE,
            features="term_counts",
        ),
        training_data_sha256={
            config.data.train_file: sha256_of(root / config.data.train_file),
            config.data.test_file: sha256_of(root / config.data.test_file),
        },
        libraries=LIBRARIES,
        metrics=pattern_headline(read_metrics(run_dir)),
        tolerance=GATE.tolerance,
        identity=target.identity,
        gate_override=target.gate_override,
    )
