"""Product photos fetched from their URLs and made model input, for the category model.

`http://` and `https://` go through one pooled, thread-safe urllib3 client (connection reuse per
host, connect and read timeouts); `file://` is read from disk. Transient failures (connection
errors, timeouts, 429 and 5xx answers, a body cut short) are retried with exponential backoff,
honouring a short `Retry-After`. The size limit is checked on `Content-Length` before the body
and while it streams, and a whole fetch has a deadline, so a slow-dripping server cannot hold a
thread. Decoding is the server's: `contract.image.photo_input` with the same pixel limit.

Every way a photo can fail is a `PhotoFailure` with a reason from `REASONS` and a detail; the
caller records it and goes on."""

from __future__ import annotations

import os
import random
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    MaxRetryError,
    NewConnectionError,
    ReadTimeoutError,
    ResponseError,
)

from contract.image import photo_input
from contract.image_files import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, ImageError, ImageTooLarge

# Why a product has no prediction (the `reason` column of scoring_failure).
REASONS = {
    "no_image": "the product has no image with index 0",
    "bad_url": "the URL is not http://, https:// or file://",
    "not_found": "404 or 410, or no such file",
    "http_error": "another 4xx, or a 5xx still after the retries",
    "timeout": "no answer within the timeouts, still after the retries",
    "unreachable": "connection refused or reset, DNS failure, unreadable file, still after the retries",
    "too_large": "more bytes than the byte limit, or more pixels than the pixel limit",
    "corrupt": "not a PNG or JPEG, truncated or corrupt",
}
TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
CHUNK_BYTES = 64 << 10
USER_AGENT = "catalogue-ml-catalog/1"


@dataclass(frozen=True)
class FetchSettings:
    workers: int = 64  # photos fetched at once: enough to hide a CDN's round trip (benchmarks/RESULTS.md)
    connect_timeout: float = 5.0
    read_timeout: float = 20.0  # between two reads of one answer
    deadline: float = 60.0  # one attempt, connection to last byte
    retries: int = 2  # further attempts after a transient failure
    backoff: float = 0.5  # seconds before the first retry, doubled each time (with jitter)
    max_retry_after: float = 10.0  # a longer Retry-After is not waited for: the next run retries
    max_bytes: int = MAX_IMAGE_BYTES
    max_pixels: int = MAX_IMAGE_PIXELS


class PhotoFailure(Exception):
    """A photo that cannot become model input: `reason` is a key of REASONS."""

    def __init__(self, reason: str, detail: str, transient: bool = False, retry_after: float | None = None) -> None:
        assert reason in REASONS, reason
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.transient = transient
        self.retry_after = retry_after


class PhotoFetcher:
    """Thread-safe: one instance serves every fetching thread of a run."""

    def __init__(self, settings: FetchSettings) -> None:
        self.settings = settings
        self.pool = urllib3.PoolManager(
            num_pools=64,
            maxsize=settings.workers,
            timeout=urllib3.Timeout(connect=settings.connect_timeout, read=settings.read_timeout),
            # Redirects followed; every other retry is this module's, which also covers the body.
            retries=urllib3.Retry(total=None, connect=0, read=0, other=0, status=0, redirect=5, raise_on_status=False),
            headers={"User-Agent": USER_AGENT},
        )

    def model_input(self, url: str | None) -> np.ndarray:
        """The photo at `url` as the category model's (28, 28) input, or PhotoFailure."""
        return self.decode(self.fetch(url))

    def decode(self, data: bytes) -> np.ndarray:
        """Fetched bytes as model input, by the server's rules and pixel limit."""
        try:
            return photo_input(data, self.settings.max_pixels)
        except ImageTooLarge as exc:
            raise PhotoFailure("too_large", str(exc)) from exc
        except ImageError as exc:
            raise PhotoFailure("corrupt", str(exc)) from exc

    def fetch(self, url: str | None) -> bytes:
        if not url:
            raise PhotoFailure("no_image", "no image with index 0")
        for attempt in range(self.settings.retries + 1):
            try:
                return self._fetch_once(url)
            except PhotoFailure as failure:
                if not failure.transient or attempt == self.settings.retries:
                    raise
                time.sleep(self._pause(attempt, failure.retry_after))
        raise AssertionError("unreachable")  # the loop returns or raises

    def close(self) -> None:
        self.pool.clear()

    def _pause(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None and retry_after <= self.settings.max_retry_after:
            return retry_after
        return self.settings.backoff * 2**attempt * random.uniform(0.5, 1.5)  # jitter: no lockstep retries

    def _fetch_once(self, url: str) -> bytes:
        scheme = urllib.parse.urlsplit(url).scheme.lower()
        if scheme == "file":
            return self._read_file(url)
        if scheme not in ("http", "https"):
            raise PhotoFailure("bad_url", f"unsupported URL scheme {scheme or 'none'!r} in {url!r}")
        try:
            answer = self.pool.request("GET", url, preload_content=False)
        except MaxRetryError as exc:  # urllib3 wraps what went wrong; its own retries are off
            raise _request_failure(exc.reason or exc) from exc
        except (HTTPError, OSError) as exc:
            raise _request_failure(exc) from exc
        try:
            return self._body(answer)
        except PhotoFailure:
            answer.close()  # an answer not read to its end: its connection is not reused
            raise
        finally:
            answer.release_conn()

    def _body(self, answer: urllib3.BaseHTTPResponse) -> bytes:
        status = answer.status
        if status in (404, 410):
            raise PhotoFailure("not_found", f"HTTP {status}")
        if status != 200:
            retry_after = _seconds(answer.headers.get("Retry-After"))
            raise PhotoFailure("http_error", f"HTTP {status}", status in TRANSIENT_STATUS, retry_after)
        length = answer.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > self.settings.max_bytes:
            raise PhotoFailure("too_large", f"{length} bytes, limit {self.settings.max_bytes}")
        started = time.monotonic()
        parts: list[bytes] = []
        size = 0
        try:
            for part in answer.stream(CHUNK_BYTES):
                size += len(part)
                if size > self.settings.max_bytes:
                    raise PhotoFailure("too_large", f"more than {self.settings.max_bytes} bytes")
                if time.monotonic() - started > self.settings.deadline:
                    raise PhotoFailure("timeout", f"body not read within {self.settings.deadline:g} s", True)
                parts.append(part)
        except (ReadTimeoutError, TimeoutError) as exc:
            raise PhotoFailure("timeout", f"body: {exc}", transient=True) from exc
        except (HTTPError, OSError) as exc:
            raise PhotoFailure("unreachable", f"body cut short: {exc}", transient=True) from exc
        return b"".join(parts)

    def _read_file(self, url: str) -> bytes:
        path = Path(urllib.request.url2pathname(urllib.parse.urlsplit(url).path))
        try:
            size = os.stat(path).st_size
            if size > self.settings.max_bytes:
                raise PhotoFailure("too_large", f"{size} bytes, limit {self.settings.max_bytes}")
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise PhotoFailure("not_found", f"no file {path}") from exc
        except OSError as exc:
            raise PhotoFailure("unreachable", f"{path}: {exc.strerror or exc}") from exc


def _request_failure(error: Exception) -> PhotoFailure:
    if isinstance(error, NewConnectionError):  # refused, DNS (urllib3 makes it a ConnectTimeoutError too)
        return PhotoFailure("unreachable", str(error), transient=True)
    if isinstance(error, (ConnectTimeoutError, ReadTimeoutError, TimeoutError)):
        return PhotoFailure("timeout", str(error), transient=True)
    if isinstance(error, ResponseError):  # too many redirects
        return PhotoFailure("http_error", str(error))
    return PhotoFailure("unreachable", str(error), transient=True)


def _seconds(header: str | None) -> float | None:
    """A Retry-After in seconds (the HTTP-date form is not waited for)."""
    try:
        return max(0.0, float(header)) if header else None
    except ValueError:
        return None
