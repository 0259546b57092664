"""Fan-out with N sync_worker instances: every change reaches every tab of its owner,
whichever instance holds the tab, and what a change costs in CPU as N grows.

    .venv/bin/python -m bench.scaling.fan_out [--instances 1 2 4] [--users 10]
                                              [--tabs-per-user 8] [--rate 10] [--seconds 20]

For each N a freshly started system on 127.0.0.1 (tracing off) runs N sync_worker
instances, each beside its own daprd: one pub/sub consumer group, so each event is handled
by one instance, which pushes it through the channel layer to the sockets on all of them.
Each user's tabs are spread round-robin over the instances, and the same change rate is
driven through the real HTTP API for every N. Per N it prints the deliveries expected
(changes x tabs of the owner) against those received, per instance; duplicated, missing
and out-of-order seqs per tab; latency from write to tab; and the CPU time (/proc) of all
server processes, and of the sync_worker apps and sidecars alone, per change, over the
window from the first write until the last change has arrived.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from bench.change_cost import cpu_seconds, measured_processes
from bench.comparison import SETTINGS_MODULE, app_env, running_system
from bench.live_sync import (
    Run,
    close,
    drain,
    latencies_ms,
    open_tabs,
    paced_writes,
    percentile,
    sign_up_users,
)
from devtools.supervise import ProcessGroup
from devtools.system import extra_instance
from devtools.topology import Service, Topology

PACKAGE = "sync_worker"


@dataclass(frozen=True)
class Scaled:
    """A running system with N sync_worker instances, and the processes to measure."""

    group: ProcessGroup
    topology: Topology
    instances: list[Service]
    # Process name -> pid of every server process; each instance's app and sidecar names.
    pids: dict[str, int]
    instance_names: list[tuple[str, str]]


def scaled(group: ProcessGroup, topology: Topology, extras: dict[str, Service]) -> Scaled:
    """`extras` are further instances of sync_worker by their process-name suffix."""
    pids = measured_processes(group, topology)
    app_id = topology.service(PACKAGE).app_id
    names = [(f"{app_id}{suffix}", f"{app_id}-dapr{suffix}") for suffix in ("", *extras)]
    pids |= {name: group[name].process.pid for pair in names for name in pair}
    instances = [topology.service(PACKAGE), *extras.values()]
    return Scaled(group, topology, instances, pids, names)


@contextmanager
def scaled_system(count: int) -> Iterator[Scaled]:
    """A fresh system with `count` sync_worker instances, stopped after the block."""
    with running_system("dapr") as (group, topology), ExitStack() as stack:
        extras = {
            suffix: stack.enter_context(
                extra_instance(group, topology, PACKAGE, SETTINGS_MODULE, app_env("dapr"), suffix)
            )
            for suffix in (f"-instance-{k}" for k in range(2, count + 1))
        }
        yield scaled(group, topology, extras)


@dataclass(frozen=True)
class FanOut:
    instances: int
    changes: int
    tabs: int
    failed_writes: int
    expected: int
    received: int
    # Deliveries expected and received by the tabs on each instance, in instance order.
    expected_per_instance: list[int]
    received_per_instance: list[int]
    duplicates: int
    gaps: int
    out_of_order: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    cpu_ms_per_change: float
    sync_worker_cpu_ms_per_change: float
    # Each instance's app and sidecar: events are shared out among the instances' sidecars
    # (one consumer group), so every instance's figure is well above an idle one's.
    cpu_ms_per_change_per_instance: list[float]


def seq_faults(run: Run, users: int, per_user: int) -> tuple[int, int, int]:
    """Duplicated seqs, seqs missing below the owner's highest, and seqs that arrived after a
    higher one, summed over all tabs (a user's tabs are tab_id % users)."""
    highest = Counter[int]()
    for tab_id, seqs in run.seqs.items():
        highest[tab_id % users] = max(highest[tab_id % users], *seqs)
    duplicates = gaps = out_of_order = 0
    for tab_id in range(users * per_user):
        seqs = run.seqs.get(tab_id, [])
        duplicates += len(seqs) - len(set(seqs))
        gaps += len(set(range(1, highest[tab_id % users] + 1)) - set(seqs))
        out_of_order += sum(1 for a, b in itertools.pairwise(seqs) if b < a)
    return duplicates, gaps, out_of_order


async def drive(
    system: Scaled, users_count: int, per_user: int, changes: int, rate: float
) -> FanOut:
    """Opens `per_user` tabs for each of `users_count` new users over every instance, makes
    `changes` changes at `rate` per second and waits for them to arrive."""
    webapp = system.topology.service("webapp")
    users = await sign_up_users(webapp.app_url, users_count)
    urls = [f"ws://127.0.0.1:{i.app_port}/ws/tasks/" for i in system.instances]
    run = Run()
    tabs = await open_tabs(urls, webapp.app_url, users, per_user, run)
    run.expected = changes * per_user
    before = {name: cpu_seconds(pid) for name, pid in system.pids.items()}
    await paced_writes(users, run, changes, rate)
    await drain(run)
    spent = {name: cpu_seconds(pid) - before[name] for name, pid in system.pids.items()}
    await close(tabs, users)

    def instance_of(tab_id: int) -> int:
        return (tab_id // users_count) % len(urls)

    received = Counter(instance_of(tab_id) for _n, tab_id in run.arrived)
    # Change n is user n % users_count's, and reaches that user's tabs: tab_id % users_count.
    expected = Counter(
        instance_of(tab_id)
        for n in range(changes)
        for tab_id in range(n % users_count, users_count * per_user, users_count)
    )
    latencies = latencies_ms(run)
    duplicates, gaps, out_of_order = seq_faults(run, users_count, per_user)
    per_instance = [spent[app] + spent[sidecar] for app, sidecar in system.instance_names]
    return FanOut(
        instances=len(urls),
        changes=changes,
        tabs=users_count * per_user,
        failed_writes=run.failed_writes,
        expected=run.expected,
        received=len(run.arrived),
        expected_per_instance=[expected[k] for k in range(len(urls))],
        received_per_instance=[received[k] for k in range(len(urls))],
        duplicates=duplicates,
        gaps=gaps,
        out_of_order=out_of_order,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
        cpu_ms_per_change=1000 * sum(spent.values()) / changes,
        sync_worker_cpu_ms_per_change=1000 * sum(per_instance) / changes,
        cpu_ms_per_change_per_instance=[1000 * cpu / changes for cpu in per_instance],
    )


ROWS = [
    ("changes", "changes"),
    ("failed_writes", "failed writes"),
    ("tabs", "tabs"),
    ("expected", "deliveries expected"),
    ("received", "deliveries received"),
    ("duplicates", "duplicate seqs"),
    ("gaps", "missing seqs (gaps)"),
    ("out_of_order", "out-of-order seqs"),
    ("p50_ms", "latency p50 (ms)"),
    ("p95_ms", "latency p95 (ms)"),
    ("p99_ms", "latency p99 (ms)"),
    ("cpu_ms_per_change", "CPU/change, all (ms)"),
    ("sync_worker_cpu_ms_per_change", "CPU/change, sync (ms)"),
]


def report(results: list[FanOut], args: argparse.Namespace) -> None:
    print(f"fan-out: {args.users} users x {args.tabs_per_user} tabs spread over the instances, "
          f"{args.rate:g} changes/s for {args.seconds:g} s, tracing off")  # fmt: skip
    print(f"{'N sync_worker instances':26}" + "".join(f"{r.instances:>10}" for r in results))
    for name, label in ROWS:
        values = [getattr(r, name) for r in results]
        cells = [f"{v:10.1f}" if isinstance(v, float) else f"{v:10d}" for v in values]
        print(f"{label:26}" + "".join(cells))
    for r in results:
        shares = ", ".join(
            f"#{k + 1} {got}/{want}"
            for k, (got, want) in enumerate(
                zip(r.received_per_instance, r.expected_per_instance, strict=True)
            )
        )
        print(f"N={r.instances}: received/expected by the tabs on each instance: {shares}")
    for r in results:
        each = enumerate(r.cpu_ms_per_change_per_instance)
        cpu = ", ".join(f"#{k + 1} {ms:.1f}" for k, ms in each)
        print(f"N={r.instances}: CPU/change of each sync_worker instance (ms): {cpu}")
    print("CPU/change, sync = the sync_worker apps and their sidecars, all N instances")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instances", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--tabs-per-user", type=int, default=8)
    parser.add_argument("--rate", type=float, default=10.0, help="changes per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args(argv)
    changes = int(args.rate * args.seconds)
    results = []
    for count in args.instances:
        started = time.perf_counter()
        with scaled_system(count) as system:
            run = drive(system, args.users, args.tabs_per_user, changes, args.rate)
            results.append(asyncio.run(run))
        print(f"N={count} done in {time.perf_counter() - started:.0f} s", flush=True)
    report(results, args)


if __name__ == "__main__":
    main()
