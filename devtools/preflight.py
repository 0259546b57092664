"""Checks before the local system starts: prerequisites present, ports free.

Each failure is one line naming what is wrong; the exit status is non-zero.
"""

from __future__ import annotations

import shutil
import socket
import sys

from devtools.observability import ZIPKIN_JAR
from devtools.topology import DAPR_BIN_DIR, Topology, local_topology


def missing_prerequisites() -> list[str]:
    problems = []
    if shutil.which("redis-server") is None:
        problems.append("redis-server is not installed (Debian package redis-server)")
    if shutil.which("prometheus") is None:
        problems.append("prometheus is not installed (Debian package prometheus)")
    if shutil.which("java") is None:
        problems.append("java is not installed (Java 17 or newer runs the Zipkin trace server)")
    if not ZIPKIN_JAR.exists():
        problems.append(f"{ZIPKIN_JAR} is missing (scripts/setup.sh fetches it)")
    for binary in ("daprd", "placement", "scheduler"):
        if not (DAPR_BIN_DIR / binary).exists():
            problems.append(
                f"{DAPR_BIN_DIR / binary} is missing (scripts/dapr-runtime.sh builds it)"
            )
    return problems


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As servers do: a closed server's TIME_WAIT connections don't make its port busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def busy_ports(topology: Topology) -> list[str]:
    return [
        f"port {port} ({what}) is already in use on 127.0.0.1"
        for what, port in topology.all_ports().items()
        if port_in_use(port)
    ]


def main() -> int:
    problems = missing_prerequisites() + busy_ports(local_topology())
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if any("in use" in problem for problem in problems):
        print(
            "hint: stop the other process, or move every port with DAPR_TODO_PORT_BASE=<port>",
            file=sys.stderr,
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
