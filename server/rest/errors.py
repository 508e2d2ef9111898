"""Every error answers JSON `{"status_code", "detail"}`; `detail` names the field or limit."""

from __future__ import annotations

import logging

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE, HTTP_500_INTERNAL_SERVER_ERROR

from server.codecs.errors import RequestError

log = logging.getLogger(__name__)


class ErrorBody(msgspec.Struct, frozen=True):
    status_code: int
    detail: str


def error_response(status: int, detail: str) -> Response[ErrorBody]:
    return Response(ErrorBody(status, detail), status_code=status)


def request_error_handler(request: Request, exc: RequestError) -> Response:
    log.info("request rejected", extra={"path": request.url.path, "status": exc.status, "detail": exc.detail[:500]})
    return error_response(exc.status, exc.detail)


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    detail = exc.detail
    if exc.status_code == HTTP_413_REQUEST_ENTITY_TOO_LARGE:
        limit = request.app.state.settings.max_body_bytes
        detail = f"request body over the limit max_body_bytes={limit}"
    return error_response(exc.status_code, detail)


def internal_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", extra={"path": request.url.path})
    return error_response(HTTP_500_INTERNAL_SERVER_ERROR, "internal error")
