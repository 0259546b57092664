"""Publishes at a fixed rate through the publisher's sidecar and matches receipts to them.

Each publish carries its run name, sequence number and the wall-clock time its call
started; the subscriber app logs the wall-clock time it got the event (one host, one
clock), so latency is publish-call start to handler receipt.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import aiohttp

from bench.brokers.servers import TOPIC
from bench.brokers.sidecars import PUBSUB
from bench.brokers.subscriber import RECEIVED

# A publish still unanswered after this long counts as failed (the broker may be down).
PUBLISH_TIMEOUT = 30.0


@dataclass(frozen=True)
class Published:
    seq: int
    start_ns: int
    end_ns: int
    acknowledged: bool


@dataclass(frozen=True)
class Receipt:
    seq: int
    received_ns: int


class Publisher:
    """A pooled HTTP client on the publisher's sidecar, with its API token."""

    def __init__(self, sidecar_url: str, token: str) -> None:
        self.url = f"{sidecar_url}/v1.0/publish/{PUBSUB}/{TOPIC}"
        self.headers = {"dapr-api-token": token}
        # No pool limit: while the broker is down, calls wait in daprd, not in the client.
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0),
            timeout=aiohttp.ClientTimeout(total=PUBLISH_TIMEOUT),
        )

    async def publish(self, run: str, seq: int) -> Published:
        start = time.time_ns()
        body = {"run": run, "seq": seq, "sent_ns": start}
        try:
            async with self.session.post(self.url, json=body, headers=self.headers) as response:
                await response.read()
                acknowledged = response.status == 204
        except (aiohttp.ClientError, TimeoutError):
            acknowledged = False
        return Published(seq, start, time.time_ns(), acknowledged)

    async def paced(self, run: str, count: int, rate: float) -> list[Published]:
        """`count` publishes started `1/rate` s apart, each without waiting for the last."""
        started = time.monotonic()
        tasks = []
        for seq in range(count):
            delay = started + seq / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)  # pacing, not synchronisation
            tasks.append(asyncio.create_task(self.publish(run, seq)))
        return list(await asyncio.gather(*tasks))

    async def close(self) -> None:
        await self.session.close()


def receipts(lines: Iterable[str], run: str) -> list[Receipt]:
    """The subscriber's receipts of `run`, in arrival order, duplicates included."""
    found = []
    for line in lines:
        parts = line.split()
        if len(parts) == 4 and parts[0] == RECEIVED and parts[1] == run:
            found.append(Receipt(int(parts[2]), int(parts[3])))
    return found


def first_receipts(found: Iterable[Receipt]) -> dict[int, int]:
    """Sequence number to the time of its first receipt."""
    first: dict[int, int] = {}
    for receipt in found:
        first.setdefault(receipt.seq, receipt.received_ns)
    return first


def duplicates(found: Iterable[Receipt]) -> int:
    return sum(n - 1 for n in Counter(r.seq for r in found).values())


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]
