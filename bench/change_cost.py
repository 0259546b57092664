"""CPU time each process spends on one task change, through Dapr and through the baseline.

    .venv/bin/python -m bench.change_cost [--users 20] [--tabs-per-user 10] [--changes 300]
                                          [--history 0]

Starts a system on 127.0.0.1 (as bench.live_sync does, tracing off), signs up users, opens
their tabs, then makes changes one at a time through the real HTTP API and reads every
process's CPU time (/proc) before and after. One change at a time, so the figures are what
a change costs, not what queueing under load adds; the machine's cores divided by the total
is the most changes per second it could sustain. `--history N` first makes N changes per
user, unmeasured: a long-lived user's sync log holds its full 200 events. The same run then
repeats against the no-Dapr baseline (bench/direct/).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from pathlib import Path

import websockets

from bench.comparison import BACKENDS, running_system
from bench.live_sync import Run, User, sign_up, write
from devtools.supervise import ProcessGroup
from devtools.topology import Topology

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Changes made before measuring: the first requests of each process warm its caches.
WARM_UP = 40
# The outbox's copies and bulk deliveries land within this after the last change.
SETTLE_SECONDS = 2.0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process `pid` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def measured_processes(group: ProcessGroup, topology: Topology) -> dict[str, int]:
    names = ["redis", "placement", "scheduler"]
    # Sentry signs each sidecar's certificate (mTLS): its cost is the system's too.
    names += [name for name in ("sentry",) if name in group.processes]
    for service in topology.services:
        names += [service.app_id, f"{service.app_id}-dapr"]
    return {name: group[name].process.pid for name in names}


async def open_tabs(url: str, origin: str, users: list[User], per_user: int) -> list[asyncio.Task]:
    """Each user's tabs, saying hello and reading every push (as bench.live_sync's tabs)."""

    async def tab(user: User) -> None:
        headers = {"Cookie": f"sessionid={user.session}", "Origin": origin}
        async with websockets.connect(url, additional_headers=headers) as socket:
            await socket.send('{"type": "hello", "after": 0}')
            async for _message in socket:
                pass

    return [asyncio.create_task(tab(user)) for user in users for _ in range(per_user)]


async def drive(group: ProcessGroup, topology: Topology, args: argparse.Namespace) -> dict:
    webapp, sync_worker = topology.service("webapp"), topology.service("sync_worker")
    users = [await sign_up(webapp.app_url, index) for index in range(args.users)]
    url = f"ws://127.0.0.1:{sync_worker.app_port}/ws/tasks/"
    tabs = await open_tabs(url, webapp.app_url, users, args.tabs_per_user)
    run = Run()
    for number in range(WARM_UP + args.history * len(users)):
        await write(users[number % len(users)], number, run)
    pids = measured_processes(group, topology)
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    client_before, started = time.process_time(), time.perf_counter()
    first = WARM_UP + args.history * len(users)
    for number in range(first, first + args.changes):
        await write(users[number % len(users)], number, run)
    wall = time.perf_counter() - started
    await asyncio.sleep(SETTLE_SECONDS)  # letting the outbox catch up, not synchronising
    costs = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
    costs["bench client"] = time.process_time() - client_before
    for task in tabs:
        task.cancel()
    await asyncio.gather(*tabs, return_exceptions=True)
    for user in users:
        await user.client.aclose()
    per_change = {name: 1000 * seconds / args.changes for name, seconds in costs.items()}
    per_change["wall time per change"] = 1000 * wall / args.changes
    per_change["failed writes"] = float(run.failed_writes)
    return per_change


def measure(backend: str, args: argparse.Namespace) -> dict[str, float]:
    with running_system(backend) as (group, topology):
        return asyncio.run(drive(group, topology, args))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--tabs-per-user", type=int, default=10)
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument("--history", type=int, default=0, help="changes per user made first")
    args = parser.parse_args()
    results = {backend: measure(backend, args) for backend in BACKENDS}
    dapr, base = results["dapr"], results["direct"]
    history = f", after {args.history} changes per user" if args.history else ""
    print(f"CPU per change (ms): {args.changes} changes one at a time, {args.users} users with "
          f"{args.tabs_per_user} tabs each{history}, tracing off")  # fmt: skip
    print(f"{'':28}{'Dapr':>10}{'baseline':>10}")
    extra = ("bench client", "wall time per change", "failed writes")
    servers = [name for name in dapr if name not in extra]
    for name in servers:
        print(f"{name:28}{dapr[name]:10.2f}{base[name]:10.2f}")
    total_dapr, total_base = (sum(r[name] for name in servers) for r in (dapr, base))
    print(f"{'all servers':28}{total_dapr:10.2f}{total_base:10.2f}")
    for name in extra:
        print(f"{name:28}{dapr[name]:10.2f}{base[name]:10.2f}")
    cores = os.cpu_count() or 1
    print(f"{cores} cores / all servers = at most {1000 * cores / total_dapr:.0f} changes/s "
          f"through Dapr, {1000 * cores / total_base:.0f} through the baseline")  # fmt: skip


if __name__ == "__main__":
    main()
