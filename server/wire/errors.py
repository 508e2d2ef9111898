"""Errors a request can meet, and their wire format: every error, from a route, the admission
middleware or the HTTP connection itself, answers JSON `{"status_code", "detail"}`."""

from __future__ import annotations

import msgspec


class ErrorBody(msgspec.Struct, frozen=True):
    status_code: int
    detail: str


_encoder = msgspec.json.Encoder()


# The ASGI scope key under which the connection (server/worker/protocol.py) records the status it
# answered itself while the app still held the request (408 on the body timeout, 503 on the body
# budget): the admission's metrics count that status, not "client gone" (499).
ANSWERED_BY_CONNECTION = "catalogue.answered_by_connection"

# Where the Open Inference Protocol's routes are mounted (server/v2/routes.py): their errors have
# the protocol's format, whichever layer answers (route, admission, connection).
V2_PATH = "/v2"


def encode_error(status: int, detail: str, path: str = "") -> bytes:
    """The error body for a request to `path`: the Open Inference Protocol's routes (under /v2)
    answer `{"error": detail}`, every other route `{"status_code", "detail"}`."""
    if path == V2_PATH or path.startswith(V2_PATH + "/"):
        return _encoder.encode({"error": detail})
    return _encoder.encode(ErrorBody(status, detail))


class RequestError(Exception):
    """The client sent something the API cannot accept. `status` is the HTTP status."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


class Overloaded(RequestError):
    """The worker has admitted as much work as it may hold: 503, come back after `retry_after` s."""

    def __init__(self, detail: str, retry_after: int, reason: str) -> None:
        super().__init__(503, detail, {"Retry-After": str(retry_after)})
        self.reason = reason  # the shed counter's label
