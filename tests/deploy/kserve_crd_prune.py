"""Regenerates tests/deploy/kserve_crd_fields.json: the parts of KServe's CRD schemas that the
manifests in deploy/kserve/ use, with every sibling field kept at each level they touch (so a
misspelt or unknown field is caught) and each field's type and the required fields.

    python -m tests.deploy.kserve_crd_prune <kserve checkout> <kserve commit>

(`<kserve checkout>/config/crd/full/serving.kserve.io_{servingruntimes,inferenceservices}.yaml`.)
No cluster or network is needed to use the result; only to refresh it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = {"ServingRuntime": "servingruntimes", "InferenceService": "inferenceservices"}
OUT = Path(__file__).with_name("kserve_crd_fields.json")
KEPT = ("type", "required", "x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields", "enum")


def prune(schema: dict[str, Any], value: Any) -> dict[str, Any]:
    node = {k: schema[k] for k in KEPT if k in schema}
    if isinstance(value, dict) and "properties" in schema:
        node["properties"] = {
            name: prune(sub, value[name]) if name in value else {k: sub[k] for k in KEPT if k in sub}
            for name, sub in schema["properties"].items()
        }
    if isinstance(value, list) and "items" in schema:
        merged: dict[str, Any] = {}
        for item in value:
            merged = _merge(merged, prune(schema["items"], item))
        node["items"] = merged or {k: schema["items"][k] for k in KEPT if k in schema["items"]}
    return node


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    merged = {**a, **b}
    if "properties" in a and "properties" in b:
        merged["properties"] = {
            k: _merge(a["properties"].get(k, {}), b["properties"].get(k, {}))
            for k in a["properties"].keys() | b["properties"].keys()
        }
    return merged


def main(checkout: Path, commit: str) -> None:
    result: dict[str, Any] = {"source": f"github.com/kserve/kserve@{commit} config/crd/full", "kinds": {}}
    for path in sorted((ROOT / "deploy" / "kserve").glob("*.yaml")):
        manifest = yaml.safe_load(path.read_text())
        group, version = manifest["apiVersion"].split("/")
        crd = yaml.safe_load((checkout / f"config/crd/full/{group}_{MANIFESTS[manifest['kind']]}.yaml").read_text())
        (served,) = [v for v in crd["spec"]["versions"] if v["name"] == version]
        result["kinds"][manifest["kind"]] = {
            "apiVersion": manifest["apiVersion"],
            "schema": prune(served["schema"]["openAPIV3Schema"], manifest),
        }
    OUT.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
