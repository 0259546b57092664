"""The per-run sidecar Configuration, Prometheus's scrape config, and the dashboard."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from common import metrics
from devtools import observability
from devtools.dapr_config import sidecar_config
from devtools.topology import COMPONENTS_DIR, REPO_ROOT, free_topology

DASHBOARDS = REPO_ROOT / "helm" / "dapr-todo" / "dashboards"


def test_sidecar_config_gets_this_systems_rate_zipkin_and_names_file(tmp_path: Path) -> None:
    topology = free_topology(tmp_path)
    written = yaml.safe_load(sidecar_config(topology, "0.25", "webapp").read_text())
    default = yaml.safe_load((COMPONENTS_DIR / "config.yaml").read_text())
    assert written["spec"]["tracing"] == {
        "samplingRate": "0.25",
        "zipkin": {"endpointAddress": f"http://127.0.0.1:{topology.zipkin_port}/api/v2/spans"},
    }
    resolver = written["spec"]["nameResolution"]
    assert resolver["component"] == "sqlite"
    assert resolver["configuration"]["connectionString"] == str(tmp_path / "names.db")
    # accessControl: tests/unit/devtools/test_access_control.py
    unchanged = ("tracing", "nameResolution", "accessControl")
    assert {k: v for k, v in written["spec"].items() if k not in unchanged} == {
        k: v for k, v in default["spec"].items() if k not in unchanged
    }


@pytest.mark.parametrize("raw", ["2", "-0.1", "often"])
def test_bad_sampling_rates_are_refused(raw: str) -> None:
    with pytest.raises(observability.BadSamplingRate, match="TRACING_SAMPLING_RATE"):
        observability.sampling_rate({"TRACING_SAMPLING_RATE": raw})


def test_sampling_rate_defaults_to_one() -> None:
    assert observability.sampling_rate({}) == "1"


def test_prometheus_scrapes_every_app_and_sidecar(tmp_path: Path) -> None:
    topology = free_topology(tmp_path)
    jobs = {job["job_name"]: job for job in observability.scrape_config(topology)["scrape_configs"]}
    for name, port in (("apps", "app_port"), ("sidecars", "dapr_metrics_port")):
        targets = {
            (group["targets"][0], group["labels"]["app_id"])
            for group in jobs[name]["static_configs"]
        }
        assert targets == {(f"127.0.0.1:{getattr(s, port)}", s.app_id) for s in topology.services}


def test_dashboard_queries_only_series_that_exist() -> None:
    defined = {family.name for series in metrics.NAMED_SERIES for family in series.collect()}
    for path in DASHBOARDS.glob("*.json"):
        dashboard = json.loads(path.read_text())
        exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
        assert exprs, path
        used = {
            re.sub(r"_(total|bucket|count|sum)$", "", name)
            for expr in exprs
            for name in re.findall(r"\bdapr_todo_[a-z_]+", expr)
        }
        assert used <= defined, used - defined


def seconds(duration: str) -> float:
    """A Go duration of the forms the Configuration uses ("40s", "0")."""
    if duration == "0":
        return 0.0
    match = re.fullmatch(r"(\d+)s", duration)
    assert match is not None, duration
    return float(match[1])


def test_name_resolution_outlasts_a_busy_machine_and_never_collects(tmp_path: Path) -> None:
    written = yaml.safe_load(sidecar_config(free_topology(tmp_path), "1", "webapp").read_text())
    resolver = written["spec"]["nameResolution"]["configuration"]
    update, timeout = seconds(resolver["updateInterval"]), seconds(resolver["timeout"])
    # The resolver refuses anything else (nameresolution/sqlite/sqlite_metadata.go).
    assert update == int(update)
    assert update - timeout >= 1
    # Renewals every update - timeout, each allowed timeout: a row stays alive through a
    # stall of `timeout` seconds.
    assert timeout >= 30
    # Its garbage collector deletes live rows (the sidecars then exit): off.
    assert seconds(resolver["cleanupInterval"]) == 0
