"""A request's input tensors → one list of elements per input name, checked against what the model
takes (names, datatype, shape, element types), from JSON `data` or the binary section."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from server.v2 import binary
from server.v2.wire import InferenceRequest, RequestInput, TensorMetadata
from server.wire.errors import RequestError

Elements = Sequence[str | bytes]  # a BYTES tensor's elements: text from JSON, bytes from binary data


def input_elements(
    request: InferenceRequest,
    binary_data: memoryview | None,
    expected: Sequence[TensorMetadata],
    check_count: Callable[[int], None],
) -> dict[str, Elements]:
    """`check_count` refuses a shape declaring more elements than a request may hold, before any
    is read: a 16 MiB body can carry millions of empty elements, and reading them all would hold
    the event loop for seconds."""
    names = [tensor.name for tensor in expected]
    given = {tensor.name: tensor for tensor in request.inputs}
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise RequestError(400, f"unknown input {unknown[0]!r}: this model takes {names}")
    if len(given) != len(request.inputs):
        raise RequestError(400, "an input appears twice in `inputs`")
    elements: dict[str, Elements] = {}
    offset = 0
    for spec in expected:
        tensor = given.get(spec.name)
        if tensor is None:
            raise RequestError(400, f"missing input {spec.name!r}: this model takes {names}")
        elements[spec.name], offset = _elements(tensor, spec, binary_data, offset, check_count)
    if binary_data is not None and offset != len(binary_data):
        raise RequestError(400, f"{len(binary_data) - offset} bytes of binary data belong to no input")
    return elements


def _elements(
    tensor: RequestInput,
    spec: TensorMetadata,
    binary_data: memoryview | None,
    offset: int,
    check_count: Callable[[int], None],
) -> tuple[Elements, int]:
    where = f"input {tensor.name!r}"
    if tensor.datatype != spec.datatype:
        raise RequestError(400, f"{where}: datatype {tensor.datatype}, this model takes {spec.datatype}")
    if len(tensor.shape) != 1 or tensor.shape[0] < 0:
        raise RequestError(400, f"{where}: shape {tensor.shape}, this model takes [N] (one element per product)")
    check_count(tensor.shape[0])
    size = (tensor.parameters or {}).get("binary_data_size")
    if size is not None:
        if binary_data is None:
            raise RequestError(400, f"{where}: binary_data_size without Inference-Header-Content-Length")
        if not isinstance(size, int) or size < 0 or offset + size > len(binary_data):
            raise RequestError(400, f"{where}: binary_data_size {size!r} runs past the body's binary data")
        # At most the declared count is read: what follows it is refused, not parsed.
        values: Elements = binary.bytes_elements(binary_data[offset : offset + size], where, tensor.shape[0])
        offset += size
    elif tensor.data is None:
        raise RequestError(400, f"{where}: no `data` and no binary_data_size parameter")
    else:
        values = _json_strings(tensor.data, tensor.shape[0], where)
    if len(values) != tensor.shape[0]:
        raise RequestError(400, f"{where}: shape {tensor.shape} but {len(values)} elements")
    return values, offset


def _json_strings(data: list[object], count: int, where: str) -> Elements:
    if len(data) == count:  # the elements are looked at only once their count is the declared one
        for i, value in enumerate(data):
            if not isinstance(value, str):
                raise RequestError(400, f"{where}: element {i} is {type(value).__name__}, BYTES elements are strings")
    return data  # type: ignore[return-value]  # every element was checked to be a str, or the count is refused
