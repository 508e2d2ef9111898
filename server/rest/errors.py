"""Every error answers JSON `{"status_code", "detail"}`; `detail` names the field or limit."""

from __future__ import annotations

import logging

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE, HTTP_500_INTERNAL_SERVER_ERROR

from server.metrics.definitions import SHED
from server.wire.errors import ErrorBody, Overloaded, RequestError

log = logging.getLogger(__name__)


BODY_LIMIT_SETTING = "body_limit_setting"  # key in a route's `opt`: which setting is its body limit


def error_response(status: int, detail: str, headers: dict[str, str] | None = None) -> Response[ErrorBody]:
    return Response(ErrorBody(status, detail), status_code=status, headers=headers)


def request_error_handler(request: Request, exc: RequestError) -> Response:
    if isinstance(exc, Overloaded):
        SHED.labels(exc.reason).inc()
    log.info("request rejected", extra={"path": request.url.path, "status": exc.status, "detail": exc.detail[:500]})
    return error_response(exc.status, exc.detail, exc.headers)


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    detail = exc.detail
    if exc.status_code == HTTP_413_REQUEST_ENTITY_TOO_LARGE:
        detail = f"request body over the limit {_body_limit(request)}"
    elif isinstance(exc.extra, list) and exc.extra:  # Litestar's parameter validation: name each parameter
        detail += ": " + "; ".join(_describe(problem) for problem in exc.extra)
    # Kept from the exception: the router's 405 carries `Allow` with the path's methods (RFC 9110 §15.5.6).
    return error_response(exc.status_code, detail, exc.headers)


def _body_limit(request: Request) -> str:
    """The setting that limits this route's body: a route with its own limit names it in `opt`."""
    handler = request.route_handler  # only HTTP routes read bodies
    name = handler.opt.get(BODY_LIMIT_SETTING, "max_body_bytes")
    return f"{name}={handler.resolve_request_max_body_size()}"


def _describe(problem: object) -> str:
    if isinstance(problem, dict):
        # `source` is an enum (ParamType.QUERY): its value is the readable part.
        where = " ".join(str(getattr(problem[k], "value", problem[k])) for k in ("source", "key") if problem.get(k))
        return f"{where}: {problem.get('message', problem)}" if where else str(problem.get("message", problem))
    return str(problem)


def internal_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", extra={"path": request.url.path})
    return error_response(HTTP_500_INTERNAL_SERVER_ERROR, "internal error")
