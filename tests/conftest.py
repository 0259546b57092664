"""A whole Dapr Todo system, real daprd and Redis included, for the integration and e2e tests.

One system per test session, on free ports, in a temporary directory; stopped at the end.
It lives here, above tests/integration and tests/e2e, so that both share that one system.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devtools.probes import NotReady
from devtools.supervise import ProcessGroup, Supervised
from devtools.system import start_system
from devtools.topology import REPO_ROOT, Service, Topology, free_topology

TEST_SETTINGS = "webapp.settings.test"


@dataclass(frozen=True)
class RunningSystem:
    topology: Topology
    group: ProcessGroup

    def service(self, package: str) -> Service:
        return self.topology.service(package)

    def app_process(self, package: str) -> Supervised:
        return self.group[self.service(package).app_id]


def log_tails(group: ProcessGroup, lines: int = 15) -> str:
    return "\n".join(
        f"--- {name} ---\n" + "\n".join(process.lines[-lines:])
        for name, process in group.processes.items()
    )


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    state_dir: Path = tmp_path_factory.mktemp("system")
    topology = free_topology(state_dir)
    with ProcessGroup(state_dir / "logs", REPO_ROOT) as group:
        try:
            start_system(group, topology, TEST_SETTINGS, {})
        except NotReady as error:
            pytest.fail(f"{error}\n{log_tails(group)}")
        yield RunningSystem(topology, group)
