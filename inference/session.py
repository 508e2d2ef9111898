"""onnxruntime session construction shared by every runtime."""

from __future__ import annotations

from pathlib import Path

import onnxruntime as ort


def inference_session(onnx_path: Path, intra_op_threads: int) -> ort.InferenceSession:
    # One session per worker process; gunicorn provides the parallelism, so each session
    # runs sequentially on few threads instead of fighting the other workers for cores.
    options = ort.SessionOptions()
    options.intra_op_num_threads = intra_op_threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(onnx_path), sess_options=options, providers=["CPUExecutionProvider"])
