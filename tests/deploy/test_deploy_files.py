"""deploy/: promtool checks and unit-tests the rules; dashboards, rules and compose agree with
what Veza really exposes and how it really runs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from conftest import Account
from prometheus_text import scrape
from veza.cli import DEFAULT_PORTS

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DASHBOARDS = DEPLOY / "grafana" / "dashboards"
PROVISIONING = DEPLOY / "grafana" / "provisioning"
# Metric names Veza defines (everything else in an expression is PromQL or a label).
VEZA_METRIC = re.compile(r"\b(?:veza|http)_[a-z_]+\b")


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("promtool") is None:
        pytest.skip(
            "promtool is not installed (Debian's `prometheus` package; .ci/run installs it)"
        )
    return subprocess.run(
        ["promtool", *args], cwd=DEPLOY, capture_output=True, text=True, timeout=120, check=False
    )


def test_promtool_checks_the_rules() -> None:
    result = promtool("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_unit_tests_the_rules() -> None:
    result = promtool("test", "rules", "alerts.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_checks_the_config() -> None:
    result = promtool("check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def _alert_rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load((DEPLOY / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def _dashboards() -> dict[str, dict[str, Any]]:
    return {path.name: json.loads(path.read_text()) for path in sorted(DASHBOARDS.glob("*.json"))}


def _exposed(names: set[str], types: dict[str, str]) -> set[str]:
    """Every series name a scrape can hold, children not yet created included."""
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum")}
    exposed = set(names)
    for family, kind in types.items():
        exposed |= {family + suffix for suffix in suffixes.get(kind, ("",))}
    return exposed


async def test_every_metric_in_rules_and_dashboards_is_one_veza_exposes(
    client: httpx.AsyncClient, hamlet: Account
) -> None:
    metrics = await scrape(client)
    exposed = _exposed({name for name, _, _ in metrics.samples}, metrics.types)
    expressions = [rule["expr"] for rule in _alert_rules()]
    for dashboard in _dashboards().values():
        expressions += [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = {name for expression in expressions for name in VEZA_METRIC.findall(expression)}
    assert len(used) > 20
    assert used <= exposed, sorted(used - exposed)


def test_every_alert_is_unit_tested_and_documented() -> None:
    alerts = {rule["alert"] for rule in _alert_rules()}
    tests = yaml.safe_load((DEPLOY / "alerts.test.yml").read_text())["tests"]
    tested = {case["alertname"] for test in tests for case in test["alert_rule_test"]}
    fired = {
        case["alertname"]
        for test in tests
        for case in test["alert_rule_test"]
        if case.get("exp_alerts")
    }
    assert alerts == tested == fired
    guide = (DEPLOY.parent / "docs" / "monitoring.md").read_text()
    assert all(f"`{alert}`" in guide for alert in alerts), alerts
    for rule in _alert_rules():
        assert rule["labels"]["severity"] in ("warning", "critical")
        assert rule["annotations"]["summary"]


def test_dashboards_are_provisioned_from_files() -> None:
    dashboards = _dashboards()
    assert {d["title"].removeprefix("Veza: ") for d in dashboards.values()} == {
        "platform overview",
        "API",
        "chat",
        "streaming and jobs",
        "security",
        "business",
    }
    assert len({d["uid"] for d in dashboards.values()}) == len(dashboards)
    (source,) = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())[
        "datasources"
    ]
    for name, dashboard in dashboards.items():
        ids = [panel["id"] for panel in dashboard["panels"]]
        assert len(ids) == len(set(ids)), name
        for panel in dashboard["panels"]:
            assert panel["datasource"]["uid"] == source["uid"], (name, panel["title"])
            assert panel["targets"], (name, panel["title"])
    (provider,) = yaml.safe_load((PROVISIONING / "dashboards" / "veza.yml").read_text())[
        "providers"
    ]
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    grafana = compose["services"]["grafana"]["volumes"]
    assert f"./grafana/dashboards:{provider['options']['path']}:ro" in grafana
    assert "./grafana/provisioning:/etc/grafana/provisioning:ro" in grafana


def test_compose_runs_each_service_where_prometheus_and_nginx_look_for_it() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    scrape_configs = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())["scrape_configs"]
    jobs = {job["job_name"]: job["dns_sd_configs"][0] for job in scrape_configs}
    nginx = (DEPLOY / "nginx.conf").read_text()
    for service in ("api", "chat", "stream"):
        port = DEFAULT_PORTS[service]
        command = services[service]["command"]
        assert command[:3] == ["veza", "serve", service]
        assert command[command.index("--port") + 1] == str(port)
        assert jobs[f"veza-{service}"] == {"names": [service], "type": "A", "port": port}
        assert f"server {service}:{port};" in nginx
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (DEPLOY / source).exists(), source
