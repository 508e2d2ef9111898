"""A model call's predictions → the response's output tensors, as JSON data or binary data."""

from __future__ import annotations

from inference.predictions import Predictions
from server.kinds.declaration import LABEL_OUTPUT, PROBABILITIES_OUTPUT
from server.v2 import binary
from server.v2.wire import InferenceRequest, ResponseOutput
from server.wire.errors import RequestError

OUTPUTS = (LABEL_OUTPUT, PROBABILITIES_OUTPUT)


def requested(request: InferenceRequest) -> list[tuple[str, bool]]:
    """(output name, as binary data) for each output the request asks for; all of them by default."""
    default_binary = bool((request.parameters or {}).get("binary_data_output", False))
    if request.outputs is None:
        return [(name, default_binary) for name in OUTPUTS]
    chosen: list[tuple[str, bool]] = []
    for output in request.outputs:
        if output.name not in OUTPUTS:
            raise RequestError(400, f"unknown output {output.name!r}: this model answers {list(OUTPUTS)}")
        # Each output once: a request repeating one could ask for an answer thousands of times its size.
        if any(name == output.name for name, _ in chosen):
            raise RequestError(400, f"output {output.name!r} is requested twice")
        chosen.append((output.name, bool((output.parameters or {}).get("binary_data", default_binary))))
    return chosen


def encode(predictions: Predictions, chosen: list[tuple[str, bool]]) -> tuple[list[ResponseOutput], list[bytes]]:
    """The response's outputs, and the binary data of those sent as binary, in the same order."""
    outputs, chunks = [], []
    for name, as_binary in chosen:
        if name == LABEL_OUTPUT:
            shape, datatype = [len(predictions)], "BYTES"
            data = binary.encode_bytes([label.encode() for label in predictions.labels]) if as_binary else None
            values = None if as_binary else list(predictions.labels)
        else:
            shape, datatype = list(predictions.probabilities.shape), "FP32"
            data = binary.encode_fp32(predictions.probabilities) if as_binary else None
            values = None if as_binary else predictions.probabilities.ravel().tolist()
        if data is not None:
            chunks.append(data)
            outputs.append(ResponseOutput(name, shape, datatype, parameters={"binary_data_size": len(data)}))
        else:
            outputs.append(ResponseOutput(name, shape, datatype, data=values))
    return outputs, chunks
