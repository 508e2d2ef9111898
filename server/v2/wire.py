"""The protocol's JSON objects (kserve/open-inference-protocol, REST), as msgspec Structs."""

from __future__ import annotations

from typing import Any

import msgspec

Parameters = dict[str, Any]


class RequestInput(msgspec.Struct, frozen=True):
    name: str
    shape: list[int]
    datatype: str
    parameters: Parameters | None = None
    data: list[Any] | None = None  # absent when the tensor travels as binary data


class RequestOutput(msgspec.Struct, frozen=True):
    name: str
    parameters: Parameters | None = None


class InferenceRequest(msgspec.Struct, frozen=True):
    inputs: list[RequestInput]
    id: str | None = None
    parameters: Parameters | None = None
    outputs: list[RequestOutput] | None = None


class ResponseOutput(msgspec.Struct, frozen=True, omit_defaults=True):
    name: str
    shape: list[int]
    datatype: str
    parameters: Parameters | None = None
    data: list[Any] | None = None


class InferenceResponse(msgspec.Struct, frozen=True, omit_defaults=True):
    model_name: str
    outputs: list[ResponseOutput]
    model_version: str | None = None
    id: str | None = None
    parameters: Parameters | None = None


class TensorMetadata(msgspec.Struct, frozen=True):
    name: str
    datatype: str
    shape: list[int]  # -1: a variable dimension


class ModelMetadata(msgspec.Struct, frozen=True, omit_defaults=True):
    name: str
    versions: list[str]
    platform: str
    inputs: list[TensorMetadata]
    outputs: list[TensorMetadata]
    parameters: Parameters | None = None


class ServerMetadata(msgspec.Struct, frozen=True):
    name: str
    version: str
    extensions: list[str]


class V2Error(msgspec.Struct, frozen=True):
    """Every error of the protocol's routes: `{"error": "<message>"}`."""

    error: str
