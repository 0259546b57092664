"""Waits until every part of the local system is healthy, then prints the URL.

When a part never becomes healthy it prints one line naming it and returns non-zero.
"""

from __future__ import annotations

import sys
import time

from devtools.probes import NotReady, system_probes, wait_until
from devtools.topology import Topology


def main(topology: Topology) -> int:
    started = time.monotonic()
    try:
        for probe in system_probes(topology):
            wait_until(probe)
    except NotReady as error:
        print(not_ready_line(error), file=sys.stderr, flush=True)
        return 1
    announce(topology, time.monotonic() - started)
    return 0


def not_ready_line(error: NotReady) -> str:
    return f"error: {error}; see its log lines above."


def announce(topology: Topology, elapsed: float) -> None:
    """The lines an operator waits for: where the system is, once all of it is healthy."""
    url = topology.service("webapp").app_url + "/"
    print(f"Dapr Todo is ready in {elapsed:.1f} s: {url}  (Ctrl-C stops everything)", flush=True)
    print(
        f"traces: http://127.0.0.1:{topology.zipkin_port}/zipkin/  "
        f"metrics: http://127.0.0.1:{topology.prometheus_port}/  operators: {url}ops/",
        flush=True,
    )
