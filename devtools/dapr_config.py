"""A sidecar's Configuration in one system: components/config.yaml, made specific to both.

daprd cannot read the environment in a Configuration, so each system gets a copy with its
own name-resolution file (so systems side by side never resolve each other's app-ids), its
Zipkin endpoint and its sampling rate; and each sidecar its own access policies (the calls
into its app, devtools/access_control.py).
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from devtools import access_control
from devtools.topology import COMPONENTS_DIR, Topology


def sidecar_config(
    topology: Topology, sampling_rate: str, app_id: str, source: Path = COMPONENTS_DIR
) -> Path:
    """Writes the Configuration of `app_id`'s sidecar in this system and returns its path.

    Written atomically: every replica of a service writes the same file as it starts.
    """
    config = yaml.safe_load((source / "config.yaml").read_text())
    spec = config["spec"]
    # Only the file changes: the resolver's timings (updateInterval, timeout,
    # cleanupInterval) are components/config.yaml's, chosen there so that a long-busy
    # machine does not make a sidecar lose its registration and exit.
    spec["nameResolution"]["configuration"]["connectionString"] = str(
        topology.state_dir / "names.db"
    )
    spec["tracing"]["samplingRate"] = sampling_rate
    spec["tracing"]["zipkin"]["endpointAddress"] = (
        f"http://127.0.0.1:{topology.zipkin_port}/api/v2/spans"
    )
    control = spec["accessControl"]
    control["policies"] = access_control.policies(app_id, control["trustDomain"])
    target = topology.state_dir / "dapr" / f"{app_id}.config.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.{os.getpid()}")
    scratch.write_text(yaml.safe_dump(config, sort_keys=False))
    scratch.replace(target)
    return target
