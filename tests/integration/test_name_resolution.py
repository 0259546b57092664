"""Why the SQLite resolver's collector is off (components/config.yaml, docs/design.md).

The pinned resolver's garbage collector deletes the rows that are alive, so its first run
makes every sidecar exit. If a new pin fixes that, this test fails: revisit the setting.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from devtools import commands
from devtools.probes import sentry_probe, wait_until
from devtools.supervise import ProcessGroup
from devtools.topology import REPO_ROOT, free_topology

pytestmark = pytest.mark.integration


def test_the_resolvers_collector_deletes_a_live_registration_and_the_sidecar_exits(
    tmp_path: Path,
) -> None:
    topology = free_topology(tmp_path)
    resources = tmp_path / "resources"  # no components: only name resolution matters here
    resources.mkdir()
    sidecar = commands.sidecar(topology, topology.service("webapp"), resources_dir=resources)
    config_path = Path(sidecar.argv[sidecar.argv.index("--config") + 1])
    config = yaml.safe_load(config_path.read_text())
    resolver = config["spec"]["nameResolution"]["configuration"]
    assert resolver["cleanupInterval"] == "0"
    # Our other settings, with the collector on and soon (its default is one hour).
    resolver["cleanupInterval"] = "2s"
    config_path.write_text(yaml.safe_dump(config))

    with ProcessGroup(tmp_path / "logs", REPO_ROOT) as group:
        # The sidecar needs its certificate (mTLS) before it registers its name.
        group.start(commands.sentry_command(topology))
        wait_until(sentry_probe(topology))
        daprd = group.start(sidecar)
        daprd.wait_for_line(lambda line: "Removed 1 expired rows" in line, timeout=60)
        # Renewals come every updateInterval - timeout (10 s): the next one finds no row.
        daprd.wait_for_line(lambda line: "Host registration lost" in line, timeout=60)
        assert daprd.process.wait(timeout=30) != 0
