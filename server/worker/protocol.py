"""HTTP/1.1 connections that no client can hold hostage.

uvicorn's httptools protocol with what it lacks in front of untrusted clients:
- a header timeout: a connection must complete its request line and headers within
  `header_timeout` of opening or of starting a request (slowloris, idle sockets), else 408;
- a body timeout: the body must arrive within `body_timeout` of the headers, else 408
  (both checked by the worker's periodic sweep, `check_timeouts`, not by a timer per request:
  two timers per request cost ~5 µs, 3% of a single-product request);
- limits on the header block's bytes and on the number of header fields: 431;
- a per-worker budget of request-body bytes held at once, counted as they arrive: a body whose
  announced Content-Length does not fit in what is free is refused 503 + Retry-After before a byte
  of it is read (or `100 Continue` sent), one that outgrows the budget while arriving is refused
  then. So stalled uploads cannot grow a worker past its memory request, and connections that
  announce large bodies without sending them hold nothing;
- while the worker drains after SIGTERM, every answer carries `Connection: close`, and a
  connection accepted but not yet read is answered rather than closed.
Each refusal answers the API's JSON error body and closes the connection."""

from __future__ import annotations

import enum
import logging
from collections import deque
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from server.lifecycle import LIFECYCLE
from server.metrics.definitions import SHED, TIMED_OUT
from server.settings import ServerSettings
from server.wire.errors import ANSWERED_BY_CONNECTION, encode_error

log = logging.getLogger(__name__)


SMALL_BODY_BYTES = 64 << 10  # what uvicorn buffers before pausing the read anyway


class BodyBudget:
    """Request-body bytes this worker holds at once, counted as they arrive, given back with the
    answer. Event loop only.

    Bodies up to SMALL_BODY_BYTES are not counted: their number is bounded by the admission
    (max_inflight_requests x 64 KiB = 8 MiB by default), and counting them would let a few stalled
    large uploads turn away every small request, single products included."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_use = 0

    def fits(self, size: int) -> bool:
        """Whether a body of `size` bytes could be held now (nothing is reserved)."""
        counted = self._counted(size)
        return not (counted and self.in_use and self.in_use + counted > self.limit)

    def take(self, held: int, more: int) -> bool:
        """Hold `more` bytes for a request that holds `held` already; False when over the limit."""
        added = self._counted(held + more) - self._counted(held)
        if added and self.in_use and self.in_use + added > self.limit:
            return False  # a body larger than the whole budget is still taken when nothing else is held
        self.in_use += added
        return True

    def give_back(self, held: int) -> None:
        self.in_use -= self._counted(held)

    def _counted(self, size: int) -> int:
        return size if size > SMALL_BODY_BYTES else 0


class Refused(Exception):
    """Raised inside a parser callback; answered by `send_400_response`, which uvicorn calls
    for any parser error."""

    def __init__(self, status: int, detail: str, headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers


class Phase(enum.Enum):
    NEW = "accepted, nothing read"  # header timeout: slowloris, idle sockets
    HEADERS = "reading headers"  # header timeout
    BODY = "reading the body"  # body timeout
    APP = "with the app"  # the request deadline (admission)
    IDLE = "answered, keep-alive"  # keepalive timeout (uvicorn's timer stops at the first byte received)
    # A later (pipelined) request was refused while earlier ones are still being answered: their
    # answers go first, then the refusal. No timeout: the request deadline bounds the earlier ones.
    REFUSING = "refused, answering earlier requests first"


class GuardedHttpProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, settings: ServerSettings, budget: BodyBudget, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings = settings
        self.budget = budget
        self._phase = Phase.NEW
        self._since = self.loop.time()  # when the phase began
        self._header_bytes = 0  # of the current request, counted per read while its headers are incomplete
        self._read_size = 0  # of the read being parsed
        self._begun_in_read = False  # the current request began within the read being parsed
        self._message_done = False  # the current request is fully received
        self._held: deque[int] = deque()  # body bytes held per request not yet answered, in order
        self._chunked = False  # the current request's body has no Content-Length
        self._refused: Refused | None = None
        self._deferred: Refused | None = None  # a refusal waiting for earlier answers (Phase.REFUSING)
        self._running_cycle: Any = None  # the request the app was last given (uvicorn runs one at a time)

    # Connection events

    def connection_lost(self, exc: Exception | None) -> None:
        while self._held:
            self.budget.give_back(self._held.popleft())
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        # Header bytes are counted per read, not per header callback (cheaper): a header block
        # still incomplete after this read is refused once over the limit; one that completes
        # within this read is measured exactly in on_headers_complete when the read could hold more.
        if self._deferred is not None:  # nothing after a refused request is read
            return
        self._read_size = len(data)
        self._begun_in_read = False
        self._feed(data)
        if self._phase is Phase.HEADERS and not self.transport.is_closing():
            # A read may also hold the end of the previous request: then measure this one exactly.
            self._header_bytes = self._header_size() if self._begun_in_read else self._header_bytes + len(data)
            if self._header_bytes > self.settings.max_header_bytes:
                self._answer_and_close(431, self._header_bytes_detail())

    def _feed(self, data: bytes) -> None:
        # uvicorn's data_received, except that a request refused on purpose (431, 503) is not
        # logged as "Invalid HTTP request received.": a wave of refusals would flood the log with it.
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._unsupported_upgrade_warning()  # no WebSocket protocol (worker.py)
        except httptools.HttpParserError:
            if self._refused is None:
                self.logger.warning("Invalid HTTP request received.")
            self.send_400_response("Invalid HTTP request received.")

    def shutdown(self) -> None:
        # Called when the worker stops. A connection accepted but not yet read, or with a request
        # half-received, belongs to a client sending its request now: answer it (draining answers
        # close the connection); the header timeout bounds the wait (the worker sweeps timeouts
        # until every connection is closed). Idle keep-alive connections close as uvicorn does
        # (the drain outlasts the keep-alive timeout, so few remain).
        if self._phase in (Phase.NEW, Phase.HEADERS) and not self.transport.is_closing():
            return
        super().shutdown()

    def drain(self) -> None:
        """The worker starts draining: the request in progress, if not answered yet, will close
        its connection too (later ones do from on_headers_complete)."""
        if self.cycle is not None and not self.cycle.response_started:
            self.cycle.keep_alive = False

    def check_timeouts(self, now: float) -> None:
        """Called every fraction of a second by the worker (server/worker/server.py)."""
        waited = now - self._since
        phase = self._phase
        if phase in (Phase.NEW, Phase.HEADERS) and waited > self.settings.header_timeout:
            TIMED_OUT.labels("header").inc()
            if phase is Phase.HEADERS:
                limit = self.settings.header_timeout
                self._answer_and_close(408, f"headers not complete within header_timeout={limit} s")
            else:  # opened and never used: nobody to answer
                self.transport.close()
        elif phase is Phase.BODY and waited > self.settings.body_timeout and not self._queued():
            # (A pipelined request waiting its turn is not read: its body clock starts with its turn.)
            TIMED_OUT.labels("body").inc()
            self._answer_and_close(408, f"body not complete within body_timeout={self.settings.body_timeout} s")
        elif phase is Phase.IDLE and waited > self.settings.keepalive_seconds:
            self.transport.close()

    def _start_asgi_task(self, cycle: Any, app: Any) -> None:
        self._running_cycle = cycle
        super()._start_asgi_task(cycle, app)

    # Parser callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = 0
        self._begun_in_read = True
        self._message_done = False
        self._enter(Phase.HEADERS)

    def on_headers_complete(self) -> None:
        if len(self.headers) > self.settings.max_headers:
            raise self._refuse(431, f"more than {self.settings.max_headers} header fields, limit max_headers")
        if self._header_bytes + self._read_size > self.settings.max_header_bytes and self._header_size() > (
            self.settings.max_header_bytes
        ):
            raise self._refuse(431, self._header_bytes_detail())
        length, self._chunked = self._body_length()  # 501 for a transfer coding other than chunked
        # Announced but not yet sent, a body is checked, not reserved: a connection that announces
        # 16 MiB and sends nothing must not hold 16 MiB of the budget (on_body counts what arrives).
        # (Small bodies are never counted: no call for them, this runs for every request.)
        announced = min(length, self.settings.largest_body_bytes)
        if announced > SMALL_BODY_BYTES and not self.budget.fits(announced):
            raise self._overloaded()
        self._held.append(0)
        super().on_headers_complete()
        if LIFECYCLE.draining and self.cycle is not None:
            self.cycle.keep_alive = False  # lame duck: the client reconnects, to another pod
        self._enter(Phase.BODY if length or self._chunked else Phase.APP)

    def on_body(self, body: bytes) -> None:
        if self._held:
            held = self._held[-1]
            if held + len(body) > SMALL_BODY_BYTES and not self.budget.take(held, len(body)):
                raise self._overloaded()
            self._held[-1] = held + len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._message_done = True
        # Answered early (413 on Content-Length, a 503) while the body still arrived: now idle.
        answered = self.cycle is not None and self.cycle.response_complete
        self._enter(Phase.IDLE if answered else Phase.APP)
        super().on_message_complete()

    def on_response_complete(self) -> None:
        if self._held:
            self.budget.give_back(self._held.popleft())
        super().on_response_complete()
        if self._deferred is not None:
            if not self._earlier_answers_pending():  # (Phase.REFUSING: a later request's refusal)
                refused, self._deferred = self._deferred, None
                self._answer_and_close(refused.status, refused.detail, refused.headers)
            return
        if self._message_done and not self.pipeline:
            self._enter(Phase.IDLE)
        elif self._phase is Phase.BODY and not self._queued():  # its turn came: its body is read now
            self._enter(Phase.BODY)

    # Refusals

    def send_400_response(self, msg: str) -> None:
        refused, self._refused = self._refused, None
        if refused is None:
            refused = Refused(400, f"invalid HTTP request: {msg}")
        self._answer_and_close(refused.status, refused.detail, refused.headers)

    def _refuse(self, status: int, detail: str, headers: tuple[tuple[bytes, bytes], ...] = ()) -> Refused:
        self._refused = Refused(status, detail, headers)
        return self._refused

    def _overloaded(self) -> Refused:
        SHED.labels("body_bytes").inc()
        retry_after = str(self.settings.retry_after_seconds)
        return self._refuse(
            503,
            f"worker is full: {self.budget.in_use} bytes of request bodies held, limit max_buffered_body_bytes="
            f"{self.budget.limit}; retry after {retry_after} s",
            ((b"retry-after", retry_after.encode()),),
        )

    def _answer_and_close(self, status: int, detail: str, headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
        if self.transport.is_closing():
            return
        later = self._refuses_a_later_request()
        if self._phase is Phase.BODY and self._queued():  # its body refused while waiting its turn
            self.pipeline.popleft()  # it never runs
            later = True
        if later and self._earlier_answers_pending():
            # Answering now would pass the refusal off as an earlier request's answer, and closing
            # would drop requests the client sent in good faith: they are answered first.
            self._deferred = Refused(status, detail, headers)
            self._enter(Phase.REFUSING)
            return
        log.info("connection refused a request", extra={"status": status, "detail": detail, "client": self.client})
        # An answer is the refused request's unless its own answer has begun (the earlier requests'
        # answers, for a later one, are complete by now).
        answered = later or self.cycle is None or not self.cycle.response_started
        if answered:
            # The refused request's path chooses the format (the protocol's under /v2); a later one
            # (no cycle yet, or one that never runs) is known by the URL read so far.
            if self.cycle is not None and not later:
                path = self.cycle.scope["path"]
            else:
                path = getattr(self, "url", b"").partition(b"?")[0].decode("latin-1")
            body = encode_error(status, detail, path)
            head = [STATUS_LINE[status]]
            for name, value in (
                *self.server_state.default_headers,
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *headers,
            ):
                head += [name, b": ", value, b"\r\n"]
            self.transport.write(b"".join([*head, b"\r\n", body]))
        if self.cycle is not None and not self.cycle.response_complete:
            # The app, if it is still reading or working, learns the client is gone; what it sends is dropped.
            if answered and not later:  # this request's answer: counted as such
                self.cycle.scope[ANSWERED_BY_CONNECTION] = status  # type: ignore[literal-required]  # our own key
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        self.transport.close()

    def _refuses_a_later_request(self) -> bool:
        """Whether what is refused comes after every request the app was given: a request whose
        headers are incomplete, or bytes after a request fully received (phase APP or IDLE)."""
        return self._phase in (Phase.NEW, Phase.HEADERS, Phase.REFUSING, Phase.IDLE) or (
            self._phase is Phase.APP and self._message_done
        )

    def _queued(self) -> bool:
        """Whether the current request is pipelined behind one still being answered (uvicorn
        queues it, and stops reading, until that answer is complete)."""
        return bool(self.pipeline) and self.pipeline[0][0] is self.cycle

    def _earlier_answers_pending(self) -> bool:
        """Whether requests before a later refused one still wait for their answers."""
        running = self._running_cycle
        return bool(self.pipeline) or (running is not None and not running.response_complete)

    # Helpers

    def _enter(self, phase: Phase) -> None:
        self._phase = phase
        self._since = self.loop.time()

    def _header_size(self) -> int:
        return len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)

    def _header_bytes_detail(self) -> str:
        return f"request line and headers over {self.settings.max_header_bytes} bytes, limit max_header_bytes"

    def _body_length(self) -> tuple[int, bool]:
        """(Content-Length or 0, chunked?) of the request whose headers just completed. Bodies are
        read as sent: a transfer coding besides chunked (gzip, deflate...) is refused, 501 as RFC 9112
        §6.1 says, instead of being read as if it were not there."""
        length, chunked = 0, False
        for name, value in self.headers:
            if name == b"content-length" and value.strip().isdigit():
                length = int(value)
            elif name == b"transfer-encoding":
                codings = [coding.strip() for coding in value.lower().split(b",")]
                if any(coding not in (b"chunked", b"") for coding in codings):
                    shown = value.decode("latin-1")
                    raise self._refuse(501, f"Transfer-Encoding {shown!r} is not supported: send the body uncompressed")
                chunked = True
        return length, chunked
