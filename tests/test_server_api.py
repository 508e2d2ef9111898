"""The brief's API through the real server: gunicorn with 2 uvicorn workers, over HTTP."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

from contract.artifact import read_metadata
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
def server(tmp_path_factory: pytest.TempPathFactory) -> Server:
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
    assert [m["name"] for m in models] == ["category", "pattern"]  # every committed artifact
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


def test_logs_are_json_lines(server: Server) -> None:
    import json

    lines = [line for line in server.log().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]
    assert any(r["message"] == "models ready" and r["models"] == ["category", "pattern"] for r in records)


def test_serving_imports_neither_sklearn_nor_torch() -> None:
    import subprocess

    code = "import sys, server.rest.app; print(sorted(m for m in ('sklearn', 'torch', 'pandas') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
