"""Inference: an exported model directory → a loaded, warmed-up runtime that predicts batches.

onnxruntime, numpy and the contract only: no web framework, no training library. The server,
the catalogue jobs, drift checks, the export gates and the benchmarks all predict through it, so
what is served is what was checked."""
