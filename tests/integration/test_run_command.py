"""The README's run command: up with every sidecar healthy, clean stop, clear failures."""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools import ready
from devtools.commands import Command
from devtools.preflight import busy_ports
from devtools.supervise import ProcessGroup
from devtools.topology import REPO_ROOT, Topology, free_topology, local_topology

pytestmark = pytest.mark.integration


def free_port_base(monkeypatch: pytest.MonkeyPatch) -> Topology:
    """A DAPR_TODO_PORT_BASE whose whole port range is free right now."""
    for base in range(21000, 60000, 500):
        monkeypatch.setenv("DAPR_TODO_PORT_BASE", str(base))
        topology = local_topology()
        if not busy_ports(topology):
            return topology
    raise AssertionError("no free port range for the run command")


@pytest.fixture
def run_topology(monkeypatch: pytest.MonkeyPatch) -> Topology:
    return free_port_base(monkeypatch)


@pytest.fixture
def group(tmp_path: Path) -> Iterator[ProcessGroup]:
    with ProcessGroup(tmp_path / "logs", REPO_ROOT) as processes:
        yield processes


def run_command() -> Command:
    return Command(
        "run", ["scripts/run.sh"], {"DAPR_TODO_PORT_BASE": os.environ["DAPR_TODO_PORT_BASE"]}
    )


def test_run_command_starts_everything_and_ctrl_c_stops_it(
    run_topology: Topology, group: ProcessGroup
) -> None:
    run = group.start(run_command())
    url = f"http://127.0.0.1:{run_topology.service('webapp').app_port}/"
    run.wait_for_line(lambda line: "Dapr Todo is ready" in line and url in line, timeout=240)
    listening = [what for what, port in run_topology.all_ports().items() if _listening(port)]
    for service in run_topology.services:
        assert f"{service.app_id} app" in listening
        assert f"{service.app_id} sidecar HTTP" in listening
    assert {"zipkin", "prometheus"} <= set(listening)
    # Ctrl-C in a terminal signals the whole foreground process group.
    os.killpg(run.process.pid, signal.SIGINT)
    run.process.wait(timeout=60)
    assert busy_ports(run_topology) == [], "a process outlived the run command"


def test_run_command_refuses_a_busy_port_by_name(
    run_topology: Topology, group: ProcessGroup
) -> None:
    port = run_topology.service("webapp").app_port
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.0.1", port))
        holder.listen()
        run = group.start(run_command())
        status = run.process.wait(timeout=120)
    assert status != 0
    run.wait_for_line(
        lambda line: f"error: port {port} (webapp app) is already in use" in line, timeout=5
    )


def test_ready_names_unreachable_redis(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ready.main(free_topology(tmp_path)) == 1
    assert "error: Redis at 127.0.0.1:" in capsys.readouterr().err


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
