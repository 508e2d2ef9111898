"""Errors a codec raises for a bad request; the REST layer maps them to 4xx responses."""

from __future__ import annotations


class RequestError(Exception):
    """The client sent something the API cannot accept. `status` is the HTTP status."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
