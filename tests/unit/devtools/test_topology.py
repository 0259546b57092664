from __future__ import annotations

from pathlib import Path

import pytest

from devtools.preflight import busy_ports
from devtools.topology import free_topology, local_topology

PORTS_OTHERS_RUN = {5432, 3306, 6379, 5672, 1883, 4222}


def test_local_ports_are_distinct_and_avoid_common_services() -> None:
    ports = list(local_topology().all_ports().values())
    assert len(ports) == len(set(ports))
    assert not set(ports) & PORTS_OTHERS_RUN


def test_port_base_moves_every_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAPR_TODO_PORT_BASE", "20000")
    assert min(local_topology().all_ports().values()) == 20000


def test_free_topology_ports_are_distinct(tmp_path: Path) -> None:
    ports = list(free_topology(tmp_path).all_ports().values())
    assert len(ports) == len(set(ports))


def test_busy_port_is_named(tmp_path: Path) -> None:
    import socket

    topology = free_topology(tmp_path)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", topology.redis_port))
        holder.listen()
        assert busy_ports(topology) == [
            f"port {topology.redis_port} (redis) is already in use on 127.0.0.1"
        ]
