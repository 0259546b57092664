"""Soak: the whole system under a steady write load for a long time, every process supervised.

    .venv/bin/python -m bench.soak [--minutes 30] [--users 5] [--tabs-per-user 2] [--rate 10]

Starts the system on free 127.0.0.1 ports (devtools/system.py, the run command's
supervisor), signs up a few users with a few live-sync tabs each, and writes at a steady
rate for the given minutes. Prints a line a minute while it runs, then: writes
acknowledged and failed (by cause), the share of (change, tab) pairs that arrived, each
process's restarts and exit, and whether every process is alive at the end. A process
that had to be restarted is a finding even though the system recovered: the soak passes
only with no restart and every process alive.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from collections import Counter

from bench.comparison import running_system
from bench.live_sync import (
    CONNECTING_AT_ONCE,
    OPEN_TIMEOUT,
    Run,
    User,
    close,
    drain,
    sign_up,
    tab,
    write,
)
from devtools.supervise import SUPERVISOR_PREFIX, ProcessGroup
from devtools.topology import Topology
from webapp.todo.tasklist import MAX_TASKS

PROGRESS_EVERY_SECONDS = 60.0
# Fatal lines of a sidecar worth counting on their own (docs/design.md#name-resolution).
FATAL_MARKERS = ("Host registration lost", '"level":"fatal"')


def restarts(group: ProcessGroup) -> dict[str, int]:
    return {name: process.restarts for name, process in group.processes.items()}


def progress(group: ProcessGroup, run: Run, started: float) -> str:
    restarted = {name: n for name, n in restarts(group).items() if n}
    return (
        f"{(time.monotonic() - started) / 60:5.1f} min: {len(run.write_latencies)} acknowledged, "
        f"{run.failed_writes} failed, restarts: {restarted or 'none'}"
    )


async def drive(group: ProcessGroup, topology: Topology, args: argparse.Namespace) -> Run:
    webapp, sync_worker = topology.service("webapp"), topology.service("sync_worker")
    users: list[User] = [await sign_up(webapp.app_url, i) for i in range(args.users)]
    run = Run()
    opened: asyncio.Queue[int] = asyncio.Queue()
    connecting = asyncio.Semaphore(CONNECTING_AT_ONCE)
    url = f"ws://127.0.0.1:{sync_worker.app_port}/ws/tasks/"
    tabs = [
        asyncio.create_task(
            tab(url, webapp.app_url, users[i % len(users)], i, run, opened, connecting)
        )
        for i in range(len(users) * args.tabs_per_user)
    ]
    for _ in tabs:
        await asyncio.wait_for(opened.get(), OPEN_TIMEOUT)

    started = time.monotonic()
    deadline = started + args.minutes * 60
    next_progress = started + PROGRESS_EVERY_SECONDS
    writes: set[asyncio.Task[None]] = set()
    number = 0
    while (now := time.monotonic()) < deadline:
        # Pacing the load (a write every 1/rate s), not synchronising.
        await asyncio.sleep(max(0.0, started + number / args.rate - now))
        task = asyncio.create_task(write(users[number % len(users)], number, run))
        writes.add(task)
        task.add_done_callback(writes.discard)
        number += 1
        if time.monotonic() >= next_progress:
            print(progress(group, run, started), flush=True)
            next_progress += PROGRESS_EVERY_SECONDS
    await asyncio.gather(*writes)
    # Only now: a tab marks the run complete once this many pairs arrived. Changes whose
    # write failed were never acknowledged, so only acknowledged ones must arrive.
    run.expected = (number - run.failed_writes) * args.tabs_per_user
    if len(run.arrived) >= run.expected:
        run.complete.set()
    await drain(run)
    await close(tabs, users)
    return run


def report(group: ProcessGroup, run: Run, args: argparse.Namespace) -> list[str]:
    lines = [
        f"soak: {args.minutes:g} min, {args.users} users x {args.tabs_per_user} tabs, "
        f"{args.rate:g} writes/s",
        f"writes acknowledged: {len(run.write_latencies)}",
        f"writes failed: {run.failed_writes}"
        + (f" ({_listed(run.failure_causes)})" if run.failure_causes else ""),
        f"delivered to tabs: {len(run.arrived)}/{run.expected} (change, tab) pairs, "
        f"{run.reconnects} socket reconnects",
        f"{'process':24}{'restarts':>9}  {'alive':6} fatal lines",
    ]
    all_alive = True
    for name, process in group.processes.items():
        alive = process.process.poll() is None
        all_alive &= alive
        fatal = sum(
            1
            for line in process.lines
            if not line.startswith(SUPERVISOR_PREFIX) and any(m in line for m in FATAL_MARKERS)
        )
        lines.append(f"{name:24}{process.restarts:>9}  {'yes' if alive else 'NO':6} {fatal}")
    total = sum(restarts(group).values())
    lines.append(f"every process alive at the end: {'yes' if all_alive else 'NO'}")
    lines.append(f"restarts in all: {total}")
    return lines


def _listed(causes: Counter[str]) -> str:
    return ", ".join(f"{cause} {count}" for cause, count in causes.most_common())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--users", type=int, default=5)
    parser.add_argument("--tabs-per-user", type=int, default=2)
    parser.add_argument("--rate", type=float, default=10.0, help="writes per second, in all")
    args = parser.parse_args()
    # A list holds at most MAX_TASKS tasks and every write creates one: enough users that
    # no list fills up during the run (a full list answers 400, which is not a fault).
    needed = math.ceil(args.rate * args.minutes * 60 / (MAX_TASKS * 0.8))
    args.users = max(args.users, needed)
    with running_system("dapr") as (group, topology):
        run = asyncio.run(drive(group, topology, args))
        for line in report(group, run, args):
            print(line, flush=True)


if __name__ == "__main__":
    main()
