"""The sidecars' Configuration for one system: components/config.yaml, made specific to it."""

from __future__ import annotations

from pathlib import Path

import yaml

from devtools.topology import COMPONENTS_DIR, Topology


def sidecar_config(topology: Topology) -> Path:
    """Writes (once per system) the Configuration its sidecars load, and returns its path."""
    config = yaml.safe_load((COMPONENTS_DIR / "config.yaml").read_text())
    resolver = config["spec"]["nameResolution"]["configuration"]
    resolver["connectionString"] = str(topology.state_dir / "names.db")
    path = topology.state_dir / "dapr-config.yaml"
    topology.state_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path
