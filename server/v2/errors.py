"""The protocol's errors: `{"error": "<message>"}`, with the status the server gives every route
(400 for a bad request, 404 for an unknown model or version, 413 over a limit, 503 + Retry-After
when full). The brief's 422 (a well-formed body the model cannot take) is a 400 here: the protocol
has no 422."""

from __future__ import annotations

from litestar import Response

from server.rest.errors import Problem, exception_handlers
from server.v2.wire import V2Error


def v2_error(problem: Problem) -> Response[V2Error]:
    status = 400 if problem.status == 422 else problem.status
    return Response(V2Error(problem.detail), status_code=status, headers=problem.headers)


EXCEPTION_HANDLERS = exception_handlers(lambda request, problem: v2_error(problem))
