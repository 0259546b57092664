"""Waits until every part of the local system is healthy, then prints the URL.

Runs as the Procfile's `ready` process: when a part never becomes healthy it exits
non-zero with the part's name, and honcho stops the whole system.
"""

from __future__ import annotations

import signal
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
        print(f"error: {error}; see its log lines above.", file=sys.stderr, flush=True)
        return 1
    elapsed = time.monotonic() - started
    url = topology.service("webapp").app_url + "/"
    print(f"Dapr Todo is ready in {elapsed:.1f} s: {url}  (Ctrl-C stops everything)", flush=True)
    print(
        f"traces: http://127.0.0.1:{topology.zipkin_port}/zipkin/  "
        f"metrics: http://127.0.0.1:{topology.prometheus_port}/  operators: {url}ops/",
        flush=True,
    )
    signal.pause()  # Stay up: honcho stops every process when one exits.
    return 0
