"""The brief's API through the real server: gunicorn with 2 uvicorn workers, over HTTP."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from contract.artifact import read_metadata
from contract.text import TextProduct
from inference.text_classification import TextClassificationRuntime
from tests.command_line import modules_imported_by
from tests.conftest import ROOT, require
from tests.server_process import Server, running_server

BRIEF_CALL = [
    {
        "name": "ASOS CURVE Embellished Neck Dress",
        "description": "Lightweight dress by ASOS CURVE;Embroidery and bead embellishment to the top;"
        "Button detail to the back with crop style sleeves;",
        "product_id": 1026288,
    }
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("server")) as running:
        yield running


def test_the_briefs_example_call(server: Server) -> None:
    response = httpx.post(server.url + "/predict", json=BRIEF_CALL)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.content == b'[{"pattern":"Embellished","product_id":1026288}]'


def test_infer_is_an_alias_of_predict(server: Server) -> None:
    assert httpx.post(server.url + "/infer", json=BRIEF_CALL).json() == [
        {"pattern": "Embellished", "product_id": 1026288}
    ]


def test_batch_keeps_order_and_echoes_ids_as_given(server: Server, data_dir: Path) -> None:
    import pandas as pd

    test = pd.read_table(require(data_dir / "asos" / "exercise_test.tsv", "ASOS test data"))
    reference = pd.read_csv(data_dir / "asos" / "prototype_predictions_test.csv").set_index("productIdentifier")
    rows = test.iloc[:300]
    ids: list[int | str] = [
        int(pid) if i % 2 else ident
        for i, (pid, ident) in enumerate(zip(rows.productId, rows.productIdentifier, strict=True))
    ]
    body = [
        {"name": n, "description": d, "product_id": i} for n, d, i in zip(rows.name, rows.description, ids, strict=True)
    ]
    response = httpx.post(server.url + "/predict", json=body, timeout=30)
    assert response.status_code == 200
    answer = response.json()
    assert [a["product_id"] for a in answer] == ids  # same order, same types
    assert [a["pattern"] for a in answer] == reference.loc[rows.productIdentifier, "pattern"].tolist()


def test_empty_list_answers_empty_list(server: Server) -> None:
    response = httpx.post(server.url + "/predict", json=[])
    assert response.status_code == 200 and response.json() == []


def test_unicode_text_is_served(server: Server) -> None:
    body = [{"name": "Robe à fleurs İSTANBUL 🌸", "description": "Straße;\u200bflo\u00a0ral", "product_id": "é"}]
    response = httpx.post(server.url + "/predict", json=body)
    assert response.status_code == 200
    assert response.json()[0]["product_id"] == "é"


def test_models_lists_the_loaded_models_with_metadata(server: Server) -> None:
    models = httpx.get(server.url + "/models").json()
    assert [m["name"] for m in models] == ["category", "pattern", "pattern-challenger"]  # every committed artifact
    for model in models:
        expected = read_metadata(ROOT / "artifacts" / model["name"])
        assert model["version"] == expected.version
        assert model["metadata"]["labels"] == expected.labels
        assert model["metadata"]["equivalence"]["checks"]


def test_health_and_docs(server: Server) -> None:
    assert httpx.get(server.url + "/health/live").json() == {"status": "live", "detail": None}
    assert httpx.get(server.url + "/health/ready").json() == {"status": "ready", "detail": None}
    schema = httpx.get(server.url + "/docs/openapi.json").json()
    body = schema["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["maxItems"] == 1000 and body["items"]["required"] == ["name", "description", "product_id"]
    assert httpx.get(server.url + "/docs").status_code == 200


def test_schema_declares_the_text_limits(server: Server) -> None:
    schema = httpx.get(server.url + "/docs/openapi.json").json()
    for path in ("/predict", "/infer"):
        product = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["items"]
        fields = product["properties"]
        assert fields["name"]["maxLength"] == fields["description"]["maxLength"] == 10_000  # max_field_chars
        integer, string = fields["product_id"]["anyOf"]
        assert (integer["minimum"], integer["maximum"]) == (-(2**63), 2**63 - 1)
        assert string["maxLength"] == 10_000
    # The limits are the server's: one character more is refused, the limit itself is not.
    at_limit = [{"name": "n" * 10_000, "description": "d", "product_id": "i" * 10_000}]
    assert httpx.post(server.url + "/predict", json=at_limit).status_code == 200
    over = [{"name": "n" * 10_001, "description": "d", "product_id": 1}]
    assert httpx.post(server.url + "/predict", json=over).status_code == 422
    beyond_int64 = [{"name": "n", "description": "d", "product_id": 2**63}]
    assert httpx.post(server.url + "/predict", json=beyond_int64).status_code == 422


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/predict", {"POST"}),
        ("PUT", "/infer", {"POST"}),
        ("DELETE", "/predict/category", {"POST"}),
        ("TRACE", "/health/live", {"GET"}),
        ("POST", "/models", {"GET"}),
        ("PATCH", "/docs/openapi.json", {"GET"}),
        ("GET", "/v2/models/pattern/infer", {"POST"}),
        ("GET", "/v2/models/pattern/versions/1/infer", {"POST"}),
        ("POST", "/v2/models/pattern/ready", {"GET"}),
        ("DELETE", "/v2/health/live", {"GET"}),
    ],
)
def test_405_names_the_allowed_methods(server: Server, method: str, path: str, allowed: set[str]) -> None:
    response = httpx.request(method, server.url + path)
    assert response.status_code == 405
    # Litestar's router refuses the method before any route (or the V2 router's handlers) is chosen:
    # the app still answers in the format of the API the path belongs to.
    if path.startswith("/v2/"):
        assert response.json() == {"error": "Method Not Allowed"}
    else:
        assert response.json() == {"status_code": 405, "detail": "Method Not Allowed"}
    advertised = {m.strip() for m in response.headers["allow"].split(",")}  # RFC 9110: every 405 carries Allow
    assert advertised - {"OPTIONS", "HEAD"} == allowed


def test_logs_are_json_lines(server: Server) -> None:
    import json

    lines = [line for line in server.log().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]
    assert any(
        r["message"] == "models ready" and r["models"] == ["category", "pattern", "pattern-challenger"] for r in records
    )


def test_serving_imports_neither_sklearn_nor_torch() -> None:
    # Nor Django: the docs' asset package is a Django app, of which the server only reads files.
    code = "import server.app; server.app.create_app()"
    assert modules_imported_by(code, ("sklearn", "torch", "pandas", "django")) == []


@pytest.mark.slow
def test_api_contract_holds_under_schemathesis(server: Server, tmp_path: Path) -> None:
    """Every check, every phase, against the served schema: no 5xx, every answer as documented,
    schema-valid requests accepted, invalid ones refused, 405 with `Allow` for undeclared
    methods. The hooks make `byte` (base64) values real PNG/JPEG images; the config adds 413
    to the refusals that count (tests/schemathesis.toml says why)."""
    import subprocess

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(ROOT / "tests" / "schemathesis.toml"),
            "run",
            server.url + "/docs/openapi.json",
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-examples",
            "150",
            "--seed",
            "1",
            "--no-color",
        ],
        cwd=tmp_path,
        env={**os.environ, "SCHEMATHESIS_HOOKS": str(ROOT / "tests" / "schemathesis_hooks.py")},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-8000:]
    assert "No issues found" in result.stdout
    assert '"level":"ERROR"' not in server.log()


def test_the_challenger_is_served_by_name_beside_the_champion(server: Server) -> None:
    """/predict answers with the champion; the challenger answers on its own V2 route, each with the
    label its own runtime gives (they disagree on this product, so the routes cannot be mixed up)."""
    text = TextProduct("River Island Spotty Swing Dress", "Woven fabric;Floral trim;Regular fit")
    expected = {
        name: TextClassificationRuntime(ROOT / "artifacts" / name).predict([text]).labels[0]
        for name in ("pattern", "pattern-challenger")
    }
    assert expected["pattern"] != expected["pattern-challenger"], expected
    product = {"name": text.name, "description": text.description, "product_id": 1}
    assert httpx.post(server.url + "/predict", json=[product]).json()[0]["pattern"] == expected["pattern"]
    inputs = [
        {"name": field, "shape": [1], "datatype": "BYTES", "data": [value]}
        for field, value in (("name", text.name), ("description", text.description))
    ]
    answer = httpx.post(server.url + "/v2/models/pattern-challenger/infer", json={"inputs": inputs})
    assert answer.status_code == 200, answer.text
    label = next(o for o in answer.json()["outputs"] if o["name"] == "label")
    assert label["data"] == [expected["pattern-challenger"]]
