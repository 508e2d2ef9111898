"""Every error answers JSON `{"status_code", "detail"}`; `detail` names the field or limit. The
Open Inference Protocol's routes say the same things in their own format (server/v2/errors.py):
`Problem` is what both formats are made from."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from server.metrics.definitions import SHED
from server.wire.errors import Overloaded, RequestError, encode_error

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    status: int
    detail: str
    headers: dict[str, str] | None = None


def error_response(request: Request, problem: Problem) -> Response[bytes]:
    """The app's answer: in the brief's format, or in the protocol's under /v2, where the V2
    router's own handlers do not reach (a path no V2 route matches, a method none takes: Litestar's
    router refuses those before choosing a route)."""
    body = encode_error(problem.status, problem.detail, request.scope["path"])
    return Response(body, status_code=problem.status, headers=problem.headers, media_type=MediaType.JSON)


def request_problem(request: Request, exc: RequestError) -> Problem:
    if isinstance(exc, Overloaded):
        SHED.labels(exc.reason).inc()
    log.info("request rejected", extra={"path": request.url.path, "status": exc.status, "detail": exc.detail[:500]})
    return Problem(exc.status, exc.detail, exc.headers)


def http_problem(request: Request, exc: HTTPException) -> Problem:
    detail = exc.detail
    if isinstance(exc.extra, list) and exc.extra:  # Litestar's parameter validation: name each parameter
        detail += ": " + "; ".join(_describe(problem) for problem in exc.extra)
    # Kept from the exception: the router's 405 carries `Allow` with the path's methods (RFC 9110 §15.5.6).
    return Problem(exc.status_code, detail, exc.headers)


def internal_problem(request: Request, exc: Exception) -> Problem:
    log.exception("unhandled error", extra={"path": request.url.path})
    return Problem(HTTP_500_INTERNAL_SERVER_ERROR, "internal error")


def _describe(problem: object) -> str:
    if isinstance(problem, dict):
        # `source` is an enum (ParamType.QUERY): its value is the readable part.
        where = " ".join(str(getattr(problem[k], "value", problem[k])) for k in ("source", "key") if problem.get(k))
        return f"{where}: {problem.get('message', problem)}" if where else str(problem.get("message", problem))
    return str(problem)


def exception_handlers(answer: Callable[[Request, Problem], Response[Any]]) -> dict[Any, Any]:
    """Litestar's exception handlers, every problem answered by `answer`."""
    return {
        RequestError: lambda request, exc: answer(request, request_problem(request, exc)),
        HTTPException: lambda request, exc: answer(request, http_problem(request, exc)),
        Exception: lambda request, exc: answer(request, internal_problem(request, exc)),
    }


EXCEPTION_HANDLERS = exception_handlers(error_response)
