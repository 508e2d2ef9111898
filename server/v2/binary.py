"""Triton's binary tensor data extension: a request or response body is a JSON header of
`Inference-Header-Content-Length` bytes followed by the binary tensors, in the order of the
tensors that carry a `binary_data_size` parameter. A BYTES element is a 4-byte little-endian
length followed by its bytes; an FP32 tensor is its little-endian floats, row-major."""

from __future__ import annotations

import struct

import numpy as np

from server.wire.errors import RequestError

HEADER_LENGTH = b"inference-header-content-length"
_LENGTH = struct.Struct("<I")


def split(body: bytes, header_length: int) -> tuple[bytes, memoryview]:
    """The JSON header and the binary section of a request body."""
    if header_length > len(body):
        raise RequestError(
            400, f"Inference-Header-Content-Length is {header_length}, but the body has only {len(body)} bytes"
        )
    view = memoryview(body)
    return body[:header_length], view[header_length:]


def bytes_elements(data: memoryview, where: str, count: int) -> list[bytes]:
    """The `count` elements of a binary BYTES tensor (its declared shape). Bytes left after them
    are refused unread: parsing millions of empty elements would hold the event loop."""
    elements: list[bytes] = []
    offset = 0
    while offset < len(data):
        if len(elements) == count:
            raise RequestError(400, f"{where}: its binary data holds more than the {count} elements of its shape")
        if offset + 4 > len(data):
            raise RequestError(400, f"{where}: binary data ends inside an element's 4-byte length")
        (size,) = _LENGTH.unpack_from(data, offset)
        offset += 4
        if offset + size > len(data):
            raise RequestError(400, f"{where}: an element of {size} bytes runs past the tensor's binary data")
        elements.append(bytes(data[offset : offset + size]))
        offset += size
    return elements


def encode_bytes(elements: list[bytes]) -> bytes:
    return b"".join(_LENGTH.pack(len(element)) + element for element in elements)


def encode_fp32(array: np.ndarray) -> bytes:
    return np.ascontiguousarray(array, dtype="<f4").tobytes()
