"""The deployment files agree with the server they deploy: probes on its health routes, the
image's user, graceful-shutdown timings, autoscaler and budget on the right Deployment, and
dashboards reading only metrics the server exports."""

from __future__ import annotations

import json
import re

import yaml

from server.metrics import definitions as metrics
from server.settings import ServerSettings
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"


def _load(name: str) -> dict:
    return yaml.safe_load((DEPLOY / "k8s" / name).read_text())


def _container() -> dict:
    return _load("deployment.yaml")["spec"]["template"]["spec"]["containers"][0]


def test_probes_use_the_servers_health_routes() -> None:
    container = _container()
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["ports"][0]["containerPort"] == 8000
    routes = (ROOT / "server" / "rest" / "health.py").read_text()
    assert '"/health/ready"' in routes and '"/health/live"' in routes


def test_pod_runs_non_root_read_only_with_resources() -> None:
    pod = _load("deployment.yaml")["spec"]["template"]["spec"]
    container = _container()
    dockerfile = (ROOT / "Dockerfile").read_text()
    useradd = re.search(r"useradd .*--uid (\d+)", dockerfile)
    assert useradd is not None, "the Dockerfile creates no user with a uid"
    uid = useradd.group(1)
    assert pod["securityContext"]["runAsNonRoot"] is True and str(pod["securityContext"]["runAsUser"]) == uid
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert {"/tmp"} == {m["mountPath"] for m in container["volumeMounts"]}
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["PROMETHEUS_MULTIPROC_DIR"].startswith("/tmp/")
    assert container["resources"]["requests"]["cpu"] == env["WORKERS"]  # one worker per core
    assert "memory" in container["resources"]["limits"]


def test_termination_grace_covers_the_drain_and_graceful_timeout() -> None:
    pod = _load("deployment.yaml")["spec"]["template"]["spec"]
    container = _container()
    env = {e["name"]: e["value"] for e in container["env"]}
    # The manifest's settings, read by the server's own settings class: consistent or refused.
    settings = ServerSettings.from_env(env)
    assert settings.drain_seconds >= 5  # endpoints removal propagates while the pod still serves
    assert pod["terminationGracePeriodSeconds"] > settings.graceful_timeout
    assert "lifecycle" not in container  # the server drains itself; a preStop sleep would only add to it


def test_autoscaler_budget_and_service_select_the_deployment() -> None:
    deployment = _load("deployment.yaml")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert _load("hpa.yaml")["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert _load("pdb.yaml")["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert _load("service.yaml")["spec"]["selector"].items() <= labels.items()
    assert set(_load("kustomization.yaml")["resources"]) == {"deployment.yaml", "service.yaml", "hpa.yaml", "pdb.yaml"}


def test_dashboard_reads_only_exported_metrics() -> None:
    exported = {m._name for m in vars(metrics).values() if hasattr(m, "_name") and hasattr(m, "_type")}
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "catalogue-ml.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    assert exprs
    for expr in exprs:
        for name in re.findall(r"\b(catalogue_[a-z_]+)", expr):
            base = re.sub(r"_(bucket|sum|count|total)$", "", name)
            assert base in exported, f"{name} in the dashboard is not exported by server/metrics/definitions.py"


def test_compose_starts_server_prometheus_and_grafana() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    assert set(compose["services"]) == {"server", "prometheus", "grafana"}
    assert compose["services"]["server"]["read_only"] is True
    scrape = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    assert scrape["rule_files"] == ["alerts.yml"]
    assert scrape["scrape_configs"][0]["job_name"] == "catalogue-ml"  # the job the alerts select on
