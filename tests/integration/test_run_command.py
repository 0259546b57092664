"""The README's run command: up with every sidecar healthy, clean stop, clear failures."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from devtools import ready
from devtools.commands import Command
from devtools.credentials import redis_password
from devtools.preflight import busy_ports
from devtools.probes import Probe, accepts_connections, http_ok, wait_until
from devtools.supervise import ProcessGroup
from devtools.topology import REPO_ROOT, Topology, free_topology, local_topology
from tests.integration.redis_access import system_redis

pytestmark = pytest.mark.integration

READY_TIMEOUT = 240
AOF_BYTES = 100 * 1024 * 1024
COUNTER = "aof-test:writes"


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
    run.wait_for_line(
        lambda line: "Dapr Todo is ready" in line and url in line, timeout=READY_TIMEOUT
    )
    listening = [what for what, port in run_topology.all_ports().items() if _listening(port)]
    for service in run_topology.services:
        assert f"{service.app_id} app" in listening
        assert f"{service.app_id} sidecar HTTP" in listening
    assert {"zipkin", "prometheus"} <= set(listening)
    # Ctrl-C in a terminal signals the whole foreground process group.
    os.killpg(run.process.pid, signal.SIGINT)
    run.process.wait(timeout=60)
    assert busy_ports(run_topology) == [], "a process outlived the run command"


@pytest.mark.timeout(900)  # two whole start-ups and 100 MB of writes on a shared machine
def test_run_command_restarts_what_crashes_and_comes_up_after_a_crash_with_a_big_aof(
    run_topology: Topology, group: ProcessGroup
) -> None:
    webapp = run_topology.service("webapp")
    run = group.start(run_command())
    run.wait_for_line(lambda line: "Dapr Todo is ready" in line, timeout=READY_TIMEOUT)

    # One crash: the run restarts that process, and nothing else stops.
    mail_sink = _listener_pid(run_topology.mail_sink_port)
    os.kill(mail_sink, signal.SIGKILL)
    run.wait_for_line(lambda line: "supervise: mailsink exited with status -9" in line, 30)
    wait_until(Probe("mail sink", lambda: accepts_connections(run_topology.mail_sink_port), 60))
    assert run.process.poll() is None
    assert http_ok(f"{webapp.app_url}/readyz")

    # An AOF as one written before Redis rewrote it by itself: many small writes, 100 MB+.
    # (Redis would rewrite it by itself now: turned off for this run only.)
    redis = system_redis(run_topology)
    redis.config_set("auto-aof-rewrite-percentage", "0")
    redis.delete(COUNTER)
    writes = _fill_aof(run_topology, AOF_BYTES)
    assert int(redis.get(COUNTER) or 0) == writes
    redis.close()
    assert _aof_size(run_topology.state_dir / "redis") >= AOF_BYTES

    # kill -9 of everything at once, as a power cut or an OOM killer would leave it.
    everything = [run.process.pid, *_descendants(run.process.pid)]
    for pid in everything:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    run.process.wait(timeout=10)
    wait_until(Probe("killed processes gone", lambda: not any(map(_alive, everything)), 30))

    again = group.start(replace(run_command(), name="run-again"))
    again.wait_for_line(lambda line: "Dapr Todo is ready" in line, timeout=READY_TIMEOUT)
    redis = system_redis(run_topology)
    assert int(redis.get(COUNTER) or 0) == writes  # the whole AOF was replayed
    redis.close()
    for service in run_topology.services:
        assert http_ok(f"{service.sidecar_url}/v1.0/healthz")
    # Each sidecar waited for Redis to load instead of failing on LOADING and being
    # restarted (which would also come up, later and noisily).
    exits = [line for line in again.lines if "supervise: " in line and "-dapr exited" in line]
    assert exits == []
    os.killpg(again.process.pid, signal.SIGINT)
    again.process.wait(timeout=60)
    assert busy_ports(run_topology) == [], "a process outlived the run command"
    shutil.rmtree(run_topology.state_dir / "redis")  # 100 MB nobody needs


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


def _fill_aof(topology: Topology, size: int) -> int:
    """Increments one counter until the AOF holds `size` bytes: the data stays tiny (as with
    task lists rewritten on every change) and the file is millions of commands, seconds of
    LOADING to replay; the number of increments."""
    batch = 500_000
    chunk = f"*2\r\n$4\r\nINCR\r\n${len(COUNTER)}\r\n{COUNTER}\r\n".encode() * batch
    data_dir = topology.state_dir / "redis"
    # The password through the environment: on redis-cli's command line `ps` would show it.
    env = {**os.environ, "REDISCLI_AUTH": redis_password(topology)}
    writes = 0
    while _aof_size(data_dir) < size:
        subprocess.run(
            ["redis-cli", "-p", str(topology.redis_port), "--pipe"],
            input=chunk,
            env=env,
            capture_output=True,
            check=True,
        )
        writes += batch
    return writes


def _aof_size(data_dir: Path) -> int:
    return sum(path.stat().st_size for path in data_dir.rglob("appendonly*") if path.is_file())


def _listener_pid(port: int) -> int:
    """The process listening on 127.0.0.1:`port` (from /proc/net/tcp and its fds)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state, inode = fields[1], fields[3], fields[9]
        if state == "0A" and int(local.split(":")[1], 16) == port:
            inodes.add(f"socket:[{inode}]")
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        with contextlib.suppress(OSError):
            if any(os.readlink(fd) in inodes for fd in fd_dir.iterdir()):
                return int(fd_dir.parent.name)
    raise AssertionError(f"nothing listens on port {port}")


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(") ", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0]
    except OSError:
        return False
    return state != "Z"


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
