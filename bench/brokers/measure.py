"""The figures of one running system: steady-rate latency and CPU, and recovery after a
broker kill -9 under load."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass

from bench.brokers import processes
from bench.brokers.load import (
    Published,
    Publisher,
    duplicates,
    first_receipts,
    percentile,
    receipts,
)
from bench.brokers.system import START_TIMEOUT, System, await_true

# After the last publish: how long acknowledged events may take to arrive at most, and
# how long without any arrival ends the wait (above pubsub.redis's redeliverInterval, 10 s).
DRAIN_TIMEOUT = 60.0
STALL_SECONDS = 20.0
POLL_SECONDS = 0.05
NS = 1e9


@dataclass(frozen=True)
class Steady:
    rate: float
    changes: int
    acknowledged: int
    delivered: int
    duplicates: int
    p50_ms: float
    p99_ms: float
    cpu_ms_per_change: float


@dataclass(frozen=True)
class Recovery:
    rate: float
    published: int
    acknowledged: int
    # Acknowledged publishes never delivered: must be 0.
    lost: int
    # Publishes answered with an error (or not at all) that were delivered all the same.
    delivered_unacknowledged: int
    # Publishes acknowledged between the kill and the restarted broker's first answer.
    acknowledged_while_down: int
    duplicates: int
    broker_ready_s: float
    publish_resumed_s: float
    delivery_resumed_s: float
    sidecar_restarts: int


def publisher(system: System) -> Publisher:
    return Publisher(system.publisher.url, system.tokens.dapr)


async def await_delivery(system: System, run: str, seqs: set[int], after: int) -> dict[int, int]:
    """Waits until every seq in `seqs` of `run` has arrived (or none arrived for
    STALL_SECONDS, or DRAIN_TIMEOUT passed); the first receipt of each that did, from
    output line `after` on."""
    now = time.monotonic()
    deadline, stalled, seen = now + DRAIN_TIMEOUT, now + STALL_SECONDS, 0
    while True:
        first = first_receipts(receipts(system.app.lines[after:], run))
        now = time.monotonic()
        if len(first) > seen:
            seen, stalled = len(first), now + STALL_SECONDS
        if seqs <= first.keys() or now > min(deadline, stalled):
            return first
        await asyncio.sleep(POLL_SECONDS)


async def warm_up(system: System) -> None:
    """Publishes probes until one arrives: the subscriber's queue or consumer exists."""
    client, after = publisher(system), system.app.mark()
    deadline = time.monotonic() + START_TIMEOUT
    try:
        for seq in itertools.count():
            await client.publish("warm-up", seq)
            if receipts(system.app.lines[after:], "warm-up"):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{system.broker.name}: no probe delivered")
            await asyncio.sleep(0.2)  # the probe interval
    finally:
        await client.close()


async def steady(system: System, rate: float, seconds: float) -> Steady:
    """`rate` publishes/s for `seconds`; CPU of broker and both sidecars until all arrived."""
    run, count = f"rate-{rate:g}", round(rate * seconds)
    leaders, sidecars = system.broker_leaders(), system.sidecar_pids()
    client, after = publisher(system), system.app.mark()
    cpu_before = processes.cpu_seconds(leaders + sidecars)
    try:
        published = await client.paced(run, count, rate)
    finally:
        await client.close()
    acknowledged = {p.seq: p for p in published if p.acknowledged}
    first = await await_delivery(system, run, set(acknowledged), after)
    cpu = processes.cpu_seconds(leaders + sidecars) - cpu_before
    latencies = [(first[seq] - p.start_ns) / 1e6 for seq, p in acknowledged.items() if seq in first]
    return Steady(
        rate=rate,
        changes=count,
        acknowledged=len(acknowledged),
        delivered=len(first.keys() & acknowledged.keys()),
        duplicates=duplicates(receipts(system.app.lines[after:], run)),
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
        cpu_ms_per_change=1000 * cpu / count,
    )


def _ready_after_kill(system: System, restarts: int, killed_ns: int) -> float:
    """Seconds from the kill until the restarted broker answers its readiness probe (the
    probe waits for the restart: the dying process may still answer for a moment)."""
    system.broker_process.wait_for_restart(restarts, START_TIMEOUT)
    await_true(system.broker.ready, START_TIMEOUT, "restarted broker")
    return (time.time_ns() - killed_ns) / NS


async def recovery(system: System, rate: float, seconds: float, kill_after: float) -> Recovery:
    """Publishes at `rate` for `seconds`, kill -9 of the broker `kill_after` s in; it is
    restarted at once (system.AT_ONCE). Then every acknowledged publish must arrive."""
    run, count = "recovery", round(rate * seconds)
    client, after = publisher(system), system.app.mark()
    sidecar_restarts = _sidecar_restarts(system)
    try:
        load = asyncio.create_task(client.paced(run, count, rate))
        await asyncio.sleep(kill_after)  # when the fault comes, not a synchronisation
        restarts, killed_ns = system.broker_process.restarts, time.time_ns()
        system.kill_broker()
        broker_ready_s = await asyncio.to_thread(_ready_after_kill, system, restarts, killed_ns)
        ready_ns = killed_ns + round(broker_ready_s * NS)
        published = await load
    finally:
        await client.close()
    acknowledged = {p.seq for p in published if p.acknowledged}
    first = await await_delivery(system, run, acknowledged, after)
    return Recovery(
        rate=rate,
        published=count,
        acknowledged=len(acknowledged),
        lost=len(acknowledged - first.keys()),
        delivered_unacknowledged=len(first.keys() - acknowledged),
        acknowledged_while_down=sum(
            1 for p in published if p.acknowledged and killed_ns < p.end_ns < ready_ns
        ),
        duplicates=duplicates(receipts(system.app.lines[after:], run)),
        broker_ready_s=broker_ready_s,
        publish_resumed_s=publish_resumed(published, killed_ns, ready_ns),
        delivery_resumed_s=delivery_resumed(published, first, killed_ns),
        sidecar_restarts=_sidecar_restarts(system) - sidecar_restarts,
    )


def _sidecar_restarts(system: System) -> int:
    names = (system.publisher.process_name, system.subscriber.process_name)
    return sum(system.group[name].restarts for name in names)


def publish_resumed(published: list[Published], killed_ns: int, ready_ns: int) -> float:
    """Kill to the first acknowledgement, once the broker answers again, of a publish
    started after the kill (one acknowledged while it was down proves nothing)."""
    ends = [
        p.end_ns
        for p in published
        if p.acknowledged and p.start_ns > killed_ns and p.end_ns >= ready_ns
    ]
    return (min(ends) - killed_ns) / NS if ends else float("nan")


def delivery_resumed(published: list[Published], first: dict[int, int], killed_ns: int) -> float:
    """Kill to the first receipt of an event published after the kill."""
    later = [first[p.seq] for p in published if p.start_ns > killed_ns and p.seq in first]
    return (min(later) - killed_ns) / NS if later else float("nan")
