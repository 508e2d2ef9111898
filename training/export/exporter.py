"""`make export`: convert a run, gate it, write metadata, then swap it into `artifacts/`.

The candidate is built in a staging directory beside the artifact and loaded by the
server's own runtime; only if every equivalence check passes does it replace the current
model directory. A refused export leaves the previous artifact untouched.
"""

from __future__ import annotations

import logging
from pathlib import Path

import msgspec
import onnx
from sklearn.pipeline import Pipeline

from contract.artifact import (
    FORMAT_VERSION,
    ONNX_FILE,
    ArtifactMetadata,
    EquivalenceReport,
    sha256_of,
    write_metadata,
)
from contract.inputs import TextInput
from contract.text import TokenizerSpec
from inference.text_classification import TextClassificationRuntime
from training.config import ExperimentConfig, data_dir, load_config
from training.data import TEXT_FIELDS
from training.experiment import load_data
from training.export.equivalence import (
    PROBABILITY_TOLERANCE,
    EquivalenceError,
    check_generated,
    check_products,
)
from training.export.errors import ExportRefused
from training.export.onnx_graph import (
    LABEL_OUTPUT,
    PROBABILITIES_OUTPUT,
    TOKENS_INPUT,
    TOKENS_SHAPE,
    UnsupportedPipeline,
    convert_pipeline,
)
from training.export.provenance import library_versions, trained_from
from training.export.staging import staged_export
from training.runs import CONFIG_FILE, load_model, pattern_headline, read_metrics

log = logging.getLogger(__name__)

DEFAULT_GENERATED_EXAMPLES = 400
LIBRARIES = ["scikit-learn", "skl2onnx", "onnx", "onnxruntime", "numpy", "msgspec"]


def export_run(
    run_dir: Path, artifact_dir: Path, examples: int | None = None, candidate: Pipeline | None = None
) -> Path:
    """Export `run_dir` to `artifact_dir/<task>/`. The gate always compares against the
    run's own pipeline; `candidate` converts another one instead (tests use it to prove
    the gate rejects a broken conversion)."""
    config = load_config(run_dir / CONFIG_FILE)
    assert isinstance(config, ExperimentConfig), f"{run_dir} is not a pattern run"
    reference = load_model(run_dir)
    examples = examples or DEFAULT_GENERATED_EXAMPLES
    try:
        return staged_export(
            artifact_dir,
            config.task,
            lambda staging: _build(staging, run_dir, config, reference, candidate or reference, examples),
        )
    except (EquivalenceError, UnsupportedPipeline) as exc:
        raise ExportRefused(str(exc)) from exc


def _build(
    staging: Path, run_dir: Path, config: ExperimentConfig, pipeline: Pipeline, candidate: Pipeline, examples: int
) -> None:
    model, spec = convert_pipeline(candidate)
    onnx.save(model, staging / ONNX_FILE)
    metadata = _metadata(staging, run_dir, config, pipeline, spec, EquivalenceReport(PROBABILITY_TOLERANCE, []))
    write_metadata(staging, metadata)

    runtime = TextClassificationRuntime(staging)
    train, test = load_data(config)
    checks = [
        check_products("train_products", pipeline, runtime, train.products),
        check_products("test_products", pipeline, runtime, test.products),
    ]
    log.info("real products agree: %s", [(c.name, c.products, f"{c.max_abs_probability_diff:.2g}") for c in checks])
    checks.append(check_generated(pipeline, runtime, examples))
    log.info(
        "generated text agrees: %d products, max |Δp| %.2g", checks[-1].products, checks[-1].max_abs_probability_diff
    )
    # The runtime needed metadata to load; only the equivalence report is new now.
    report = EquivalenceReport(PROBABILITY_TOLERANCE, checks)
    write_metadata(staging, msgspec.structs.replace(metadata, equivalence=report))


def _metadata(
    staging: Path,
    run_dir: Path,
    config: ExperimentConfig,
    pipeline: Pipeline,
    spec: TokenizerSpec,
    report: EquivalenceReport,
) -> ArtifactMetadata:
    onnx_sha = sha256_of(staging / ONNX_FILE)
    root = data_dir()
    return ArtifactMetadata(
        format_version=FORMAT_VERSION,
        name=config.task,
        task="text-classification",
        version=onnx_sha[:12],  # content-addressed: the same model always has the same version
        trained_from=trained_from(config.name, config.seed),
        onnx_file=ONNX_FILE,
        onnx_sha256=onnx_sha,
        onnx_outputs={"label": LABEL_OUTPUT, "probabilities": PROBABILITIES_OUTPUT},
        labels=[str(c) for c in pipeline.classes_],
        input=TextInput(
            fields=list(TEXT_FIELDS),
            recipe="name + ';' + description, ASCII digit runs deleted (contract.text.product_text)",
            tokenizer=spec,
            onnx_input=TOKENS_INPUT,
            onnx_input_shape=TOKENS_SHAPE,
        ),
        training_data_sha256={
            config.data.train_file: sha256_of(root / config.data.train_file),
            config.data.test_file: sha256_of(root / config.data.test_file),
        },
        library_versions=library_versions(LIBRARIES),
        metrics=pattern_headline(read_metrics(run_dir)),
        equivalence=report,
    )
