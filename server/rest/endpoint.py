"""Routes that read their own body: plain ASGI endpoints, routed by Litestar, documented as the
POST operations they are.

The predict routes read their headers and body themselves and send answers msgspec has encoded.
Declared as Litestar HTTP handlers they still paid, on every request, for a `Request` object, the
parameter model, an exit stack and the resolution of the returned answer: 75,000 of the 581,000
instructions a single-product `POST /predict` cost over HTTP (benchmarks/PROFILE.md). Litestar's
ASGI route handlers skip all of that, and whatever an endpoint raises still goes to the app's (or
its router's) exception handlers, like any route's.

Litestar leaves ASGI handlers out of its OpenAPI document, so each endpoint carries the operation
it serves: the keyword arguments of `@post`, and a function whose signature gives the query
parameters and the answer's type (never called). server/rest/openapi.py documents them from
these. A path with parameters (the V2 infer routes) cannot be an ASGI handler in Litestar 2.25:
it stays an HTTP handler without parameters that hands the endpoint back as its answer, which
skips Litestar's parameter model and response resolution but still builds a `Request`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import msgspec
from litestar import asgi, post
from litestar.exceptions import MethodNotAllowedException
from litestar.handlers import ASGIRouteHandler, HTTPRouteHandler
from litestar.types import ASGIApp, HTTPResponseStartEvent, Receive, Scope, Send

from server.wire.errors import RequestError

DOCUMENTED_AS = "documented_as"  # key in an endpoint handler's `opt`: its DocumentedOperation
ALLOWED = "OPTIONS, POST"  # a POST route's `Allow` (Litestar's own 405s list the same two, in either order)
ALLOW_HEADER = (b"allow", ALLOWED.encode())


@dataclass(frozen=True)
class DocumentedOperation:
    """What the OpenAPI document says of an endpoint: `@post`'s keyword arguments (summary,
    responses, operation_class...) and a function whose signature gives the query parameters and
    the answer's type, as a Litestar handler's would."""

    options: dict[str, Any]
    signature: Callable[..., Any]


async def _no_parameters() -> None:
    """An endpoint without parameters, whose answers `responses` documents (never called)."""


def post_endpoint(
    path: str | list[str], endpoint: ASGIApp, signature: Callable[..., Any] = _no_parameters, **options: Any
) -> ASGIRouteHandler | HTTPRouteHandler:
    """Litestar's route handler serving `endpoint` for POST at `path`. OPTIONS answers 204 and
    other methods 405, both with `Allow`, as Litestar answers for its own POST routes."""
    if any("{" in one for one in ([path] if isinstance(path, str) else path)):
        return _parameterised(path, endpoint, **options)

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        # Litestar hands an ASGI route websocket scopes too (no "method"): the worker serves no
        # websockets (server/worker/), and one that came would be refused like any other method.
        method = scope.get("method")
        if method == "POST":
            await endpoint(scope, receive, send)
        elif method == "OPTIONS":
            start: HTTPResponseStartEvent = {"type": "http.response.start", "status": 204, "headers": [ALLOW_HEADER]}
            await send(start)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        else:
            raise MethodNotAllowedException(headers={"Allow": ALLOWED})

    return asgi(path, copy_scope=False, opt={DOCUMENTED_AS: DocumentedOperation(options, signature)})(route)


def _parameterised(path: str | list[str], endpoint: ASGIApp, **options: Any) -> HTTPRouteHandler:
    """A path with parameters stays a Litestar HTTP route: Litestar 2.25's router cannot route an
    HTTP request to an ASGI handler whose path has parameters (it looks them up under the
    request's method, but stored them under "asgi": KeyError, 500). The handler takes no
    parameters, so Litestar runs no parameter model; it hands back the endpoint, which Litestar
    runs as the answer (an `ASGIApp`) and which reads the path parameters from the scope. Litestar
    documents the path parameters from the path."""

    async def route() -> ASGIApp:
        return endpoint

    return post(path, **options)(route)


def query_flag(scope: Scope, name: str) -> bool:
    """A boolean query parameter, read as Litestar reads one: the last value given wins, converted
    by msgspec's lax rules (true, false, 1, 0, any case); absent = false; a bad value is a 400
    naming the parameter."""
    query: bytes = scope.get("query_string", b"")
    values = [value for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True) if key == name]
    if not values:
        return False
    try:
        return msgspec.convert(values[-1], bool, strict=False)
    except msgspec.ValidationError as exc:
        raise RequestError(400, f"query parameter {name}: {exc} (got {values[-1]!r})") from None
