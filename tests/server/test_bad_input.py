"""Bad input gets a 4xx JSON error naming what is wrong; no 5xx, no dead worker, no hang."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import httpx
import pytest

from tests.hostile import address, request_head, responses_until_closed
from tests.server_process import Server, running_server

JSON_HEADERS = {"Content-Type": "application/json"}
GOOD = {"name": "Floral dress", "description": "Cotton", "product_id": 1}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # Small limits so each limit is reached with a small request.
    with running_server(
        tmp_path_factory.mktemp("server"),
        SERVE_MAX_BODY_BYTES="65536",
        SERVE_MAX_PRODUCTS_PER_REQUEST="50",
        SERVE_MAX_FIELD_CHARS="2000",
    ) as running:
        yield running


CASES = {
    "empty body": (b"", JSON_HEADERS, 400, "empty body"),
    "invalid JSON": (b'[{"name": "a",', JSON_HEADERS, 400, "not valid UTF-8 JSON"),
    "non-UTF-8 bytes": (
        b'[{"name":"\xff\xfe","description":"x","product_id":1}]',
        JSON_HEADERS,
        400,
        "not valid UTF-8",
    ),
    "lone surrogate escape": (b'[{"name":"\\ud800","description":"x","product_id":1}]', JSON_HEADERS, 400, "surrogate"),
    "wrong content type": (json.dumps([GOOD]).encode(), {"Content-Type": "text/plain"}, 415, "Content-Type"),
    "missing content type": (json.dumps([GOOD]).encode(), {}, 415, "Content-Type"),
    "object instead of list": (json.dumps(GOOD).encode(), JSON_HEADERS, 422, "Expected `array`, got `object`"),
    "wrong type": (json.dumps([GOOD | {"name": 5}]).encode(), JSON_HEADERS, 422, "`$[0].name`"),
    "null field": (
        json.dumps([GOOD | {"description": None}]).encode(),
        JSON_HEADERS,
        422,
        "got `null` - at `$[0].description`",
    ),
    "float id": (json.dumps([GOOD | {"product_id": 1.5}]).encode(), JSON_HEADERS, 422, "`$[0].product_id`"),
    "boolean id": (json.dumps([GOOD | {"product_id": True}]).encode(), JSON_HEADERS, 422, "`$[0].product_id`"),
    "missing field": (
        json.dumps([GOOD, {"name": "x", "product_id": 2}]).encode(),
        JSON_HEADERS,
        422,
        "missing required field `description` - at `$[1]`",
    ),
    "deeply nested": (b"[" * 30_000 + b"]" * 30_000, JSON_HEADERS, 422, "Expected `object`, got `array`"),
    "deeply nested object": (b'[{"name":' + b"[" * 20_000 + b"]" * 20_000 + b"}]", JSON_HEADERS, 422, "$[0].name"),
    # Nesting where msgspec skips rather than validates: an unknown field, or inside an ignored value.
    "deep nesting in an unknown field": (
        b'[{"name":"a","description":"b","product_id":1,"x":' + b"[" * 1_000 + b"]" * 1_000 + b"}]",
        JSON_HEADERS,
        400,
        "nested too deeply",
    ),
    "deep object nesting in an unknown field": (
        b'[{"name":"a","description":"b","product_id":1,"x":' + b'{"a":' * 5_000 + b"1" + b"}" * 5_000 + b"}]",
        JSON_HEADERS,
        400,
        "nested too deeply",
    ),
    "compressed body": (
        json.dumps([GOOD]).encode(),
        JSON_HEADERS | {"Content-Encoding": "gzip"},
        415,
        "Content-Encoding 'gzip' is not supported",
    ),
    "id beyond int64": (
        json.dumps([GOOD | {"product_id": 2**63}]).encode(),
        JSON_HEADERS,
        422,
        "<= 9223372036854775807 - at `$[0].product_id`",
    ),
    "id below int64": (
        json.dumps([GOOD | {"product_id": -(2**63) - 1}]).encode(),
        JSON_HEADERS,
        422,
        ">= -9223372036854775808 - at `$[0].product_id`",
    ),
    "string id over length": (
        json.dumps([GOOD, GOOD | {"product_id": "i" * 2001}]).encode(),
        JSON_HEADERS,
        422,
        "$[1].product_id has 2001 characters, limit max_field_chars=2000",
    ),
    "body over limit": (
        json.dumps([GOOD | {"description": "x" * 70_000}]).encode(),
        JSON_HEADERS,
        413,
        "max_body_bytes=65536",
    ),
    "too many products": (json.dumps([GOOD] * 51).encode(), JSON_HEADERS, 422, "max_products_per_request=50"),
    "field over length": (
        json.dumps([GOOD, GOOD | {"description": "y" * 2001, "product_id": "p2"}]).encode(),
        JSON_HEADERS,
        422,
        "$[1].description (product_id 'p2') has 2001 characters",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_gets_a_4xx_naming_the_problem(server: Server, case: str) -> None:
    body, headers, status, detail = CASES[case]
    response = httpx.post(server.url + "/predict", content=body, headers=headers, timeout=10)
    assert response.status_code == status, response.text
    error = response.json()
    assert error["status_code"] == status
    assert detail in error["detail"]
    # Still serving, on the same workers.
    assert httpx.get(server.url + "/health/ready").status_code == 200
    assert httpx.post(server.url + "/predict", json=[GOOD]).status_code == 200
    assert server.worker_pids() == server.initial_workers


def test_chunked_body_over_the_limit_is_refused(server: Server) -> None:
    def chunks():
        for _ in range(100):
            yield b"x" * 1024

    response = httpx.post(server.url + "/predict", content=chunks(), headers=JSON_HEADERS)
    assert response.status_code == 413
    assert server.worker_pids() == server.initial_workers


def test_wrong_method_and_unknown_route(server: Server) -> None:
    assert httpx.get(server.url + "/predict").status_code == 405
    assert httpx.get(server.url + "/nowhere").status_code == 404


def test_no_server_errors_were_logged(server: Server) -> None:
    assert '"level":"ERROR"' not in server.log()


LIVE = b"GET /health/live HTTP/1.1\r\nHost: t\r\n\r\n"
CHUNKED_POST = (
    b"POST /predict HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
)


@pytest.mark.parametrize(
    ("sent", "statuses"),
    [
        (b"garbage\r\n\r\n", [400]),
        (LIVE + b"garbage\r\n\r\n", [200, 400]),
        (LIVE + CHUNKED_POST + b"zz\r\n", [200, 400]),  # a bad chunk size in a request waiting its turn
    ],
    ids=["alone", "pipelined", "pipelined body"],
)
def test_malformed_http_is_a_json_400_after_the_answers_before_it(
    server: Server, sent: bytes, statuses: list[int]
) -> None:
    # Pipelined behind a complete request, in the same read: that request is answered first. Before,
    # the connection closed at once and it got nothing, or the 400 went out in its place.
    with socket.create_connection(address(server), timeout=10) as sock:
        sock.sendall(sent)
        answers = responses_until_closed(sock, 5)
    assert [a.status for a in answers] == statuses, answers
    assert answers[-1].json() == {"status_code": 400, "detail": "invalid HTTP request: Invalid HTTP request received."}
    assert answers[-1].headers["connection"] == "close"


@pytest.mark.parametrize("coding", ["chunked", "gzip, chunked"])
def test_a_transfer_coding_other_than_chunked_is_501(server: Server, coding: str) -> None:
    # Before: the gzip coding was ignored and the body read as if plain.
    head = request_head("/predict", None, f"Transfer-Encoding: {coding}\r\nConnection: close\r\n")
    with socket.create_connection(address(server), timeout=10) as sock:
        sock.sendall(head + b"2\r\n[]\r\n0\r\n\r\n")
        answers = responses_until_closed(sock, 5)
    if coding == "chunked":
        assert [(a.status, a.body) for a in answers] == [(200, b"[]")], answers
    else:
        assert [a.status for a in answers] == [501], answers
        assert f"Transfer-Encoding {coding!r} is not supported" in answers[0].json()["detail"]


def test_the_connections_refusals_under_v2_have_the_protocols_format(server: Server) -> None:
    # Refused before the request has a cycle (at its headers): the format follows its own path,
    # not the previous request's (before: the brief's format on a fresh connection).
    head = request_head("/v2/models/pattern/infer", None, "Transfer-Encoding: gzip, chunked\r\n")
    with socket.create_connection(address(server), timeout=10) as sock:
        sock.sendall(head + b"0\r\n\r\n")
        answers = responses_until_closed(sock, 5)
    assert [a.status for a in answers] == [501], answers
    assert set(answers[0].json()) == {"error"} and "not supported" in answers[0].json()["error"]
