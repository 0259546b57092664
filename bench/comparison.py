"""A freshly started system for one side of a Dapr-against-baseline comparison."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import direct
from devtools.supervise import ProcessGroup
from devtools.system import start_system
from devtools.topology import REPO_ROOT, Topology, free_topology

# The product, and the same Django views writing Redis and pushing through Channels.
BACKENDS = ("dapr", "direct")
BACKEND_SETTINGS: dict[str, dict[str, str]] = {"dapr": {}, "direct": direct.SETTINGS}
SETTINGS_MODULE = "config.settings.test"


def app_env(backend: str) -> dict[str, str]:
    """The apps' environment on `backend` (also that of any extra instance a bench starts)."""
    return {**BACKEND_SETTINGS[backend], "LOG_LEVEL": "WARNING", "TRACING_SAMPLING_RATE": "0"}


@contextmanager
def running_system(backend: str, broker: str = "redis") -> Iterator[tuple[ProcessGroup, Topology]]:
    """The whole system on free 127.0.0.1 ports on `backend`'s settings, stopped after.

    Tracing is off on both sides: its cost is bench.tracing_cost's to measure. The product
    runs on Redis Streams unless told otherwise, like the baseline, which publishes to
    Redis Streams itself: the difference measured is Dapr's, not a broker's (bench.brokers
    compares brokers).
    """
    with tempfile.TemporaryDirectory() as state:
        topology = free_topology(Path(state), broker)
        with ProcessGroup(Path(state) / "logs", REPO_ROOT) as group:
            start_system(group, topology, SETTINGS_MODULE, app_env(backend))
            yield group, topology
