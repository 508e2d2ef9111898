"""The Prometheus rules (deploy/prometheus/alerts.yml): valid, and each alert proven to fire on
the series it is for and to stay silent on a healthy service, by promtool's own rule tests."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import ROOT, require_tool

RULES = ROOT / "deploy" / "prometheus"


@pytest.fixture(scope="module")
def promtool() -> str:
    return require_tool("promtool", "apt-get install prometheus (Debian's package ships it)")


def test_rules_are_valid(promtool: str) -> None:
    result = subprocess.run([promtool, "check", "rules", "alerts.yml"], cwd=RULES, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_rule_unit_tests_pass(promtool: str) -> None:
    result = subprocess.run([promtool, "test", "rules", "alerts_test.yml"], cwd=RULES, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_alerts_use_metrics_the_server_exports() -> None:
    from server.metrics import definitions as metrics

    exported = {m._name for m in vars(metrics).values() if hasattr(m, "_name") and hasattr(m, "_type")}
    text = (RULES / "alerts.yml").read_text()
    for name in (
        "catalogue_http_request_duration_seconds",
        "catalogue_predictions",
        "catalogue_shadow_compared",
        "catalogue_shadow_agreed",
        "catalogue_shadow_predictions",
        "catalogue_shadow_dropped",
    ):
        assert name in text
        assert name in exported, f"{name} not exported by server/metrics/definitions.py: {sorted(exported)}"
