"""The protocol's routes under /v2: server and model metadata, health, readiness and inference for
every model of the repository. Inference goes through the same path as the brief's routes: the
model's queue bound, its micro-batcher, its runtime."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Response, Router, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from litestar.types import Receive, Scope, Send

from server.lifecycle import LIFECYCLE
from server.registry import LoadedModel, ModelRegistry
from server.resources import ServingResources
from server.rest.answer import send_answer
from server.rest.body import BodyLimit, read_body
from server.rest.endpoint import post_endpoint
from server.rest.openapi import request_body_operation
from server.rest.predict import ENCODER, INLINE_DECODE_BYTES, off_loop, refuse_compression
from server.v2 import binary, outputs
from server.v2.errors import EXCEPTION_HANDLERS
from server.v2.tensors import input_elements
from server.v2.wire import InferenceRequest, InferenceResponse, ModelMetadata, ServerMetadata, V2Error
from server.wire.errors import V2_PATH, RequestError

SERVER_NAME = "catalogue-ml"
SERVER_VERSION = "1.0.0"
EXTENSIONS = ["binary_tensor_data"]
PLATFORM = "onnxruntime_onnx"  # Triton's name for an ONNX model served by onnxruntime
BODY_LIMIT = "max_infer_body_bytes"
OCTET_STREAM = (b"content-type", b"application/octet-stream")
_request_decoder = msgspec.json.Decoder(InferenceRequest)

ERRORS = {
    400: ResponseSpec(V2Error, description="A bad request: the message names the input, datatype, shape or limit"),
    404: ResponseSpec(V2Error, description="No such model, or no such version of it"),
    413: ResponseSpec(V2Error, description="Body over max_infer_body_bytes, or an image over its limits"),
    415: ResponseSpec(V2Error, description="A Content-Encoding"),
    503: ResponseSpec(V2Error, description="Not ready, or the worker is full (Retry-After)"),
    504: ResponseSpec(V2Error, description="Not answered within request_timeout"),
}
NOT_READY = {503: ResponseSpec(V2Error, description="Not ready, with the reason")}
DESCRIPTION = (
    "Open Inference Protocol inference for any model of the repository. JSON, or Triton's binary tensor data "
    "extension (Inference-Header-Content-Length). Text models: inputs `name` and `description`, BYTES [N]; image "
    "models: input `image`, BYTES [N], encoded PNG or JPEG (base64 in JSON). Outputs `label` (BYTES [N]) and "
    "`probabilities` (FP32 [N, classes], class order in the model metadata's parameters)."
)


def v2_router(resources: ServingResources) -> Router:
    return Router(
        V2_PATH,
        route_handlers=[
            server_metadata,
            live,
            ready,
            model_metadata,
            model_version_metadata,
            model_ready,
            model_version_ready,
            *_infer_routes(resources),
        ],
        exception_handlers=EXCEPTION_HANDLERS,  # {"error": ...}, as the protocol says
        tags=["open inference protocol (v2)"],
    )


@get("/", summary="Server metadata", operation_id="v2ServerMetadata")
async def server_metadata() -> ServerMetadata:
    return ServerMetadata(SERVER_NAME, SERVER_VERSION, EXTENSIONS)


@get("/health/live", summary="Liveness", operation_id="v2Live")
async def live() -> Response[None]:
    return Response(None, status_code=HTTP_200_OK)


@get("/health/ready", summary="Readiness: every model directory loaded", operation_id="v2Ready", responses=NOT_READY)
async def ready(registry: NamedDependency[ModelRegistry]) -> Response[V2Error | None]:
    if LIFECYCLE.draining:
        return Response(V2Error("worker is shutting down"), status_code=HTTP_503_SERVICE_UNAVAILABLE)
    if not registry.ready:
        return Response(V2Error(registry.problem or "not ready"), status_code=HTTP_503_SERVICE_UNAVAILABLE)
    return Response(None, status_code=HTTP_200_OK)


MODEL = "/models/{name:str}"
MODEL_VERSION = "/models/{name:str}/versions/{version:str}"  # the optional segment: the artifact's version


@get(MODEL, summary="Model metadata: tensors, versions, platform", responses=ERRORS)
async def model_metadata(registry: NamedDependency[ModelRegistry], name: FromPath[str]) -> ModelMetadata:
    return _metadata(registry, name, None)


@get(MODEL_VERSION, summary="Metadata of a model's version", responses=ERRORS)
async def model_version_metadata(
    registry: NamedDependency[ModelRegistry], name: FromPath[str], version: FromPath[str]
) -> ModelMetadata:
    return _metadata(registry, name, version)


@get(f"{MODEL}/ready", summary="Model readiness", responses=ERRORS)
async def model_ready(registry: NamedDependency[ModelRegistry], name: FromPath[str]) -> Response[None]:
    find_model(registry, name, None)  # 404 or 503 when it is not
    return Response(None, status_code=HTTP_200_OK)


@get(f"{MODEL_VERSION}/ready", summary="Readiness of a model's version", responses=ERRORS)
async def model_version_ready(
    registry: NamedDependency[ModelRegistry], name: FromPath[str], version: FromPath[str]
) -> Response[None]:
    find_model(registry, name, version)
    return Response(None, status_code=HTTP_200_OK)


def _metadata(registry: ModelRegistry, name: str, version: str | None) -> ModelMetadata:
    model = find_model(registry, name, version)
    kind = model.kind
    return ModelMetadata(
        name=name,
        versions=[model.metadata.version],
        platform=PLATFORM,
        inputs=list(kind.inputs),
        outputs=kind.outputs(len(model.metadata.labels)),
        # The class order of `probabilities`, and what the model is.
        parameters={"labels": model.metadata.labels, "task": kind.task},
    )


def find_model(registry: ModelRegistry, name: str, version: str | None) -> LoadedModel:
    model = registry.get(name)
    if model is None:
        if name in registry.failed or registry.problem == "loading":
            raise RequestError(503, f"model {name!r} is not ready: {registry.problem_of(name)}")
        raise RequestError(404, f"unknown model {name!r}; served: {sorted(registry.models)}")
    if version is not None and version != model.metadata.version:
        raise RequestError(404, f"model {name!r} has no version {version!r}; its version is {model.metadata.version!r}")
    return model


def _infer_routes(resources: ServingResources) -> list[Any]:
    settings, registry, decode_pool = resources.settings, resources.registry, resources.decode_pool
    decoders = {task: kind.decoder(settings) for task, kind in registry.kinds.items()}
    limit = BodyLimit(BODY_LIMIT, getattr(settings, BODY_LIMIT))

    async def infer(scope: Scope, receive: Receive, send: Send) -> None:
        header_length = _header_length(scope)
        name, version = scope["path_params"]["name"], scope["path_params"].get("version")
        model = find_model(registry, name, version)
        model.capacity.check_room()
        body = await read_body(receive, None, limit)
        header, binary_data = binary.split(body, header_length) if header_length is not None else (body, None)
        # A large header (16 MiB of JSON strings) takes milliseconds to decode: not on the event loop.
        inference = (
            _decode(header) if len(header) <= INLINE_DECODE_BYTES else await off_loop(decode_pool, _decode, header)
        )
        chosen = outputs.requested(inference)
        kind = model.kind
        decode = decoders[kind.task]
        elements = input_elements(inference, binary_data, kind.inputs, decode.check_count)
        count = len(next(iter(elements.values())))
        with model.capacity.reserve(count):
            items = await off_loop(decode_pool, decode, elements) if kind.decode_off_loop else decode(elements)
            predictions = await model.batcher.predict(items)
        tensors, chunks = outputs.encode(predictions, chosen)
        answer = ENCODER.encode(InferenceResponse(name, tensors, model_version=model.metadata.version, id=inference.id))
        if not chunks:
            await send_answer(send, answer)
        else:  # the binary extension: the JSON header, then the tensors
            headers = (OCTET_STREAM, (binary.HEADER_LENGTH, str(len(answer)).encode()))
            await send_answer(send, answer + b"".join(chunks), headers)

    options: dict[str, Any] = {
        "summary": "Inference",
        "description": DESCRIPTION,
        "operation_class": request_body_operation(InferenceRequest),
        "status_code": HTTP_200_OK,
        "responses": ERRORS,
    }
    return [
        post_endpoint(f"{MODEL}/infer", infer, operation_id="v2Infer", **options),
        post_endpoint(f"{MODEL_VERSION}/infer", infer, operation_id="v2InferVersion", **options),
    ]


def _header_length(scope: Scope) -> int | None:
    """The binary extension's JSON header length, if the body uses it; compressed bodies are refused."""
    length = None
    for header, value in scope["headers"]:
        if header == binary.HEADER_LENGTH:
            if not value.isdigit():
                raise RequestError(400, f"invalid Inference-Header-Content-Length: {value.decode('latin-1')!r}")
            length = int(value)
        elif header == b"content-encoding":
            refuse_compression(value)
    return length


def _decode(header: bytes) -> InferenceRequest:
    if not header:
        raise RequestError(400, "empty body: expected an inference request (JSON)")
    try:
        return _request_decoder.decode(header)
    except msgspec.ValidationError as exc:
        raise RequestError(400, f"invalid inference request: {exc}") from exc
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise RequestError(400, f"inference request is not valid UTF-8 JSON: {exc}") from exc
    except RecursionError as exc:
        raise RequestError(400, f"inference request is nested too deeply to decode: {exc}") from exc
