"""Every listener of the local system is on 127.0.0.1: nothing else on the network (or a
container's neighbours) can reach a sidecar, an app, Redis or the control plane.

Read from the kernel: each process's socket inodes (/proc/<pid>/fd) matched against the
LISTEN sockets of /proc/net/tcp and tcp6.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import RunningSystem

pytestmark = pytest.mark.integration

LISTEN = "0A"
LOOPBACK_V4 = "0100007F"  # 127.0.0.1, little-endian hex as /proc/net/tcp writes it
LOOPBACK_V6 = {"00000000000000000000000001000000", "0000000000000000FFFF00000100007F"}

# Dapr 1.18.2's healthz server ignores --healthz-listen-address (pkg/healthz/server/
# server.go:90 listens on ":<port>"); strict, so this fails the day a release fixes it.
HEALTHZ_ON_ALL_INTERFACES = pytest.mark.xfail(
    strict=True, reason="dapr 1.18.2 healthz listens on [::] whatever --healthz-listen-address"
)


def listening(table: Path) -> dict[int, str]:
    """Socket inode → local address of every LISTEN socket in a /proc/net table."""
    found = {}
    for line in table.read_text().splitlines()[1:]:
        fields = line.split()
        address, state, inode = fields[1], fields[3], int(fields[9])
        if state == LISTEN:
            found[inode] = address.split(":")[0]
    return found


def socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def public_listeners(pid: int) -> list[str]:
    tables = {**listening(Path("/proc/net/tcp")), **listening(Path("/proc/net/tcp6"))}
    mine = socket_inodes(pid)
    return [
        address
        for inode, address in tables.items()
        if inode in mine and address != LOOPBACK_V4 and address not in LOOPBACK_V6
    ]


NAMES = [
    "zipkin",
    "prometheus",
    "redis",
    "epmd",
    "rabbitmq",
    "mailsink",
    "webapp",
    "webapp-dapr",
    "sync-worker",
    "sync-worker-dapr",
    "bindings-worker",
    "bindings-worker-dapr",
    pytest.param("placement", marks=HEALTHZ_ON_ALL_INTERFACES),
    pytest.param("scheduler", marks=HEALTHZ_ON_ALL_INTERFACES),
    pytest.param("sentry", marks=HEALTHZ_ON_ALL_INTERFACES),
]


@pytest.mark.parametrize("name", NAMES)
def test_a_process_listens_only_on_loopback(system: RunningSystem, name: str) -> None:
    process = system.group[name]
    assert socket_inodes(process.process.pid), f"{name} has no sockets: wrong pid?"
    assert public_listeners(process.process.pid) == []


def test_every_process_of_the_system_is_checked(system: RunningSystem) -> None:
    checked = {name if isinstance(name, str) else name.values[0] for name in NAMES}
    assert set(system.group.processes) - checked <= {"migrate"}  # migrate has exited
