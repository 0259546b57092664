"""Start-to-ready time of the whole system, each sidecar's idle RSS, and daprd's size.

    .venv/bin/python -m bench.startup [--runs 3] [--idle-seconds 10]

Starts the same processes as the run command (on free ports, binaries already built),
times until every probe passes, lets the system idle, then reads each daprd's RSS.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from devtools.supervise import ProcessGroup
from devtools.system import start_system
from devtools.topology import DAPR_BIN_DIR, REPO_ROOT, free_topology

SETTINGS = "config.settings.test"


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def one_run(idle_seconds: float) -> tuple[float, dict[str, float]]:
    with tempfile.TemporaryDirectory() as state:
        topology = free_topology(Path(state))
        with ProcessGroup(Path(state) / "logs", REPO_ROOT) as group:
            started = time.monotonic()
            start_system(group, topology, SETTINGS, {})
            ready = time.monotonic() - started
            time.sleep(idle_seconds)  # measuring idle memory, not synchronising
            sidecars = {
                s.app_id: rss_mib(group[f"{s.app_id}-dapr"].process.pid) for s in topology.services
            }
    return ready, sidecars


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    args = parser.parse_args()

    times: list[float] = []
    rss: dict[str, list[float]] = {}
    for _ in range(args.runs):
        ready, sidecars = one_run(args.idle_seconds)
        times.append(ready)
        for app_id, mib in sidecars.items():
            rss.setdefault(app_id, []).append(mib)

    size_mib = (DAPR_BIN_DIR / "daprd").resolve().stat().st_size / 2**20
    print(f"start-to-ready (warm, {args.runs} runs): median {statistics.median(times):.2f} s, "
          f"min {min(times):.2f} s, max {max(times):.2f} s")  # fmt: skip
    for app_id, values in rss.items():
        print(f"daprd idle RSS after {args.idle_seconds:.0f} s, {app_id}: "
              f"median {statistics.median(values):.1f} MiB")  # fmt: skip
    print(f"daprd binary size: {size_mib:.1f} MiB")


if __name__ == "__main__":
    main()
