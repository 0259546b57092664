"""The observability side of a local system: the Zipkin trace server, Prometheus, and the
sidecars' Configuration with tracing pointed at that Zipkin.

Both servers keep their data in the system's state directory. Prometheus's configuration is
generated from the topology (YAML is a superset of JSON, so it is written as JSON).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from devtools.commands import LOOPBACK, Command
from devtools.topology import RUNTIME_DIR, Topology

ZIPKIN_JAR = RUNTIME_DIR / "zipkin" / "zipkin.jar"
SAMPLING_RATE_VARIABLE = "TRACING_SAMPLING_RATE"
DEFAULT_SAMPLING_RATE = "1"
SCRAPE_INTERVAL = "5s"


class BadSamplingRate(ValueError):
    """TRACING_SAMPLING_RATE is not a number from 0 to 1."""


def sampling_rate(environ: Mapping[str, str] = os.environ) -> str:
    """The sampling rate for sidecars and apps alike, validated, as Dapr wants it (a string)."""
    raw = environ.get(SAMPLING_RATE_VARIABLE) or DEFAULT_SAMPLING_RATE
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise BadSamplingRate(f"{SAMPLING_RATE_VARIABLE} must be a number from 0 to 1, got {raw!r}")
    return raw.strip()


def zipkin_url(topology: Topology) -> str:
    return f"http://{LOOPBACK}:{topology.zipkin_port}"


def zipkin_spans_endpoint(topology: Topology) -> str:
    return f"{zipkin_url(topology)}/api/v2/spans"


def prometheus_url(topology: Topology) -> str:
    return f"http://{LOOPBACK}:{topology.prometheus_port}"


def tracing_env(topology: Topology, rate: str) -> dict[str, str]:
    """What the apps need to sample like their sidecars and export to the same Zipkin."""
    return {
        SAMPLING_RATE_VARIABLE: rate,
        "TRACING_ZIPKIN_ENDPOINT": zipkin_spans_endpoint(topology),
    }


def zipkin(topology: Topology) -> Command:
    """Zipkin with in-memory storage, on loopback only; a small heap is plenty for a dev run."""
    return Command(
        "zipkin",
        [
            "java",
            "-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-jar", str(ZIPKIN_JAR),
            f"--armeria.ports[0].ip={LOOPBACK}",
            f"--armeria.ports[0].port={topology.zipkin_port}",
            "--armeria.ports[0].protocols[0]=http",
        ],
        env={"STORAGE_TYPE": "mem", "MEM_MAX_SPANS": "200000", "LOGGING_LEVEL_ROOT": "WARN"},
    )  # fmt: skip


def scrape_config(topology: Topology) -> dict[str, Any]:
    """Every app, every sidecar, the control plane and Zipkin, each labelled with its app id."""

    def target(port: int, **labels: str) -> dict[str, Any]:
        return {"targets": [f"{LOOPBACK}:{port}"], "labels": labels}

    return {
        "global": {"scrape_interval": SCRAPE_INTERVAL, "evaluation_interval": SCRAPE_INTERVAL},
        "scrape_configs": [
            {
                "job_name": "apps",
                "metrics_path": "/metrics",
                "static_configs": [target(s.app_port, app_id=s.app_id) for s in topology.services],
            },
            {
                "job_name": "sidecars",
                "static_configs": [
                    target(s.dapr_metrics_port, app_id=s.app_id) for s in topology.services
                ],
            },
            {
                "job_name": "dapr-control-plane",
                "static_configs": [
                    target(topology.placement_metrics_port, app_id="dapr-placement"),
                    target(topology.scheduler_metrics_port, app_id="dapr-scheduler"),
                ],
            },
            {
                "job_name": "zipkin",
                "metrics_path": "/prometheus",
                "static_configs": [target(topology.zipkin_port, app_id="zipkin")],
            },
        ],
    }


def prometheus(topology: Topology) -> Command:
    """Prometheus (the Debian package's binary) with its own config and data dir in the run's
    state directory."""
    directory = topology.state_dir / "prometheus"
    (directory / "data").mkdir(parents=True, exist_ok=True)
    config = directory / "prometheus.yml"
    config.write_text(json.dumps(scrape_config(topology), indent=2) + "\n")
    return Command(
        "prometheus",
        [
            "prometheus",
            f"--config.file={config}",
            f"--storage.tsdb.path={directory / 'data'}",
            "--storage.tsdb.retention.time=7d",
            f"--web.listen-address={LOOPBACK}:{topology.prometheus_port}",
            "--log.format=json",
            "--log.level=warn",
        ],
    )
