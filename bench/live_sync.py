"""Live-sync latency and delivery: N WebSocket tabs, writers at a fixed rate, real HTTP API.

    .venv/bin/python -m bench.live_sync [--tabs 1000] [--tabs-per-user 10] [--rate 100]
                                        [--seconds 20]

Runs the same load twice in one run, each on a freshly started system on 127.0.0.1:
through Dapr (the product), and a baseline of the same Django views writing Redis and
pushing through Channels without Dapr (bench/direct/). Latency is from a write
request leaving the client to the change arriving in a tab, over every (change, tab of
that user) pair; delivery is the share of those pairs that arrived. After the last write
the bench waits while changes still arrive (a late change is not a lost one) and stops
once none has arrived for a few seconds; "drain" is how long the last one took.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import re
import statistics
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets
from httpx_aiohttp import AiohttpTransport

from bench.comparison import BACKENDS, running_system
from devtools.topology import Topology

TITLE = re.compile(r'class="title">bench-(\d+)<')
PASSWORD = "bench-password-42-xyz"  # noqa: S105 (throwaway local accounts)
# After the last write: no arrival for this long and the missing pairs count as lost.
STALL_SECONDS = 5.0
ROWS = [
    ("p50_ms", "latency p50 (ms)"),
    ("p95_ms", "latency p95 (ms)"),
    ("p99_ms", "latency p99 (ms)"),
    ("write_p50_ms", "write request p50 (ms)"),
    ("throughput", "throughput (changes/s)"),
    ("delivered", "delivered (share)"),
    ("drain_s", "drain after writes (s)"),
    ("failed_writes", "failed writes"),
    ("reconnects", "socket reconnects"),
]
# Rows whose Dapr / baseline ratio means something (a drain of ~0 s or 0 failures does not).
RATIO_ROWS = {"p50_ms", "p95_ms", "p99_ms", "write_p50_ms", "throughput", "delivered"}


@dataclass
class Run:
    sent: dict[int, float] = field(default_factory=dict)
    owner_of: dict[int, int] = field(default_factory=dict)
    arrived: dict[tuple[int, int], float] = field(default_factory=dict)
    write_latencies: list[float] = field(default_factory=list)
    failed_writes: int = 0
    # Why writes failed: "timeout", "HTTP 503", an error's name.
    failure_causes: Counter[str] = field(default_factory=Counter)
    reconnects: int = 0
    # Every seq each tab was sent, in arrival order (duplicates and gaps show here).
    seqs: dict[int, list[int]] = field(default_factory=dict)
    expected: int = 0
    complete: asyncio.Event = field(default_factory=asyncio.Event)

    def fail(self, cause: str) -> None:
        self.failed_writes += 1
        self.failure_causes[cause] += 1


@dataclass(frozen=True)
class User:
    index: int
    client: httpx.AsyncClient
    session: str


async def sign_up(base_url: str, index: int) -> User:
    # aiohttp's pool under httpx's API: the client shares the 2 cores with the system.
    client = httpx.AsyncClient(
        base_url=base_url, timeout=30, transport=AiohttpTransport(trust_env=False)
    )
    await client.get("/accounts/signup/")
    name = f"bench-{uuid.uuid4().hex[:12]}"
    response = await client.post(
        "/accounts/signup/",
        data={"username": name, "email": f"{name}@example.com", "password1": PASSWORD,
              "password2": PASSWORD, "time_zone": "UTC",
              "csrfmiddlewaretoken": client.cookies["csrftoken"]},
        headers={"Referer": base_url + "/"},
    )  # fmt: skip
    if response.status_code != 302:
        raise RuntimeError(f"sign-up failed: {response.status_code} {response.text[:200]}")
    return User(index, client, client.cookies["sessionid"])


SEQ = re.compile(r'data-seq="(\d+)"')
OPEN_TIMEOUT = 600.0
# Tabs connect a few at a time, as users open them, not as one thundering herd.
CONNECTING_AT_ONCE = 20


async def tab(
    url: str,
    origin: str,
    user: User,
    tab_id: int,
    run: Run,
    opened: asyncio.Queue,
    connecting: asyncio.Semaphore,
) -> None:
    """One browser tab: hello with the last seq, record arrivals, reconnect like live.js."""
    headers = {"Cookie": f"sessionid={user.session}", "Origin": origin}
    last_seq, announced = 0, False
    while True:
        try:
            async with connecting:
                socket = await websockets.connect(url, additional_headers=headers, max_size=2**20)
                await socket.send(f'{{"type": "hello", "after": {last_seq}}}')
            async with socket:
                if not announced:
                    announced = True
                    await opened.put(tab_id)
                async for message in socket:
                    now = time.perf_counter()
                    text = str(message)
                    for seq in map(int, SEQ.findall(text)):
                        run.seqs.setdefault(tab_id, []).append(seq)
                        last_seq = max(last_seq, seq)
                    for number in TITLE.findall(text):
                        key = (int(number), tab_id)
                        if key not in run.arrived and int(number) in run.sent:
                            run.arrived[key] = now
                            if len(run.arrived) >= run.expected > 0:
                                run.complete.set()
        except (OSError, websockets.WebSocketException):
            run.reconnects += 1
            await asyncio.sleep(random.uniform(0.1, 1.0))


async def write(user: User, number: int, run: Run) -> None:
    run.owner_of[number] = user.index
    run.sent[number] = started = time.perf_counter()
    try:
        response = await user.client.post(
            "/tasks/",
            data={"title": f"bench-{number}"},
            headers={"X-CSRFToken": user.client.cookies["csrftoken"], "Accept": "application/json",
                     "Referer": str(user.client.base_url)},
        )  # fmt: skip
    except httpx.HTTPError as error:
        # Timed out or refused: the change counts as not delivered.
        timed_out = isinstance(error, httpx.TimeoutException)
        run.fail("timeout" if timed_out else type(error).__name__)
        return
    if response.status_code == 201:
        run.write_latencies.append(time.perf_counter() - started)
    else:
        run.fail(f"HTTP {response.status_code}")


async def close(tabs: list[asyncio.Task[None]], users: list[User]) -> None:
    """Closes every tab and every user's HTTP client once a run is over."""
    for task in tabs:
        task.cancel()
    await asyncio.gather(*tabs, return_exceptions=True)
    for user in users:
        await user.client.aclose()


async def drain(run: Run) -> None:
    """Waits for every (change, tab) pair, or until arrivals stall for STALL_SECONDS."""
    while not run.complete.is_set():
        arrived = len(run.arrived)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(run.complete.wait(), STALL_SECONDS)
        if len(run.arrived) == arrived:
            return


def percentile(values: list[float], q: int) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else 0.0
    )


async def sign_up_users(base_url: str, count: int) -> list[User]:
    """`count` new users, signed up a few at a time."""
    sem = asyncio.Semaphore(20)

    async def limited_sign_up(i: int) -> User:
        async with sem:
            return await sign_up(base_url, i)

    return list(await asyncio.gather(*(limited_sign_up(i) for i in range(count))))


async def open_tabs(
    urls: list[str], origin: str, users: list[User], per_user: int, run: Run
) -> list[asyncio.Task[None]]:
    """`per_user` tabs of each user, the k-th of them on `urls[k % len(urls)]` (so a user's
    tabs spread over every instance); returns once every tab has said hello."""
    opened: asyncio.Queue[int] = asyncio.Queue()
    connecting = asyncio.Semaphore(CONNECTING_AT_ONCE)
    tab_tasks = []
    for tab_id in range(len(users) * per_user):
        user, url = users[tab_id % len(users)], urls[(tab_id // len(users)) % len(urls)]
        tab_tasks.append(
            asyncio.create_task(tab(url, origin, user, tab_id, run, opened, connecting))
        )

    async def all_open() -> None:
        for _ in tab_tasks:
            await opened.get()

    await asyncio.wait_for(all_open(), OPEN_TIMEOUT)
    return tab_tasks


async def paced_writes(users: list[User], run: Run, changes: int, rate: float) -> float:
    """`changes` writes at `rate` per second, round-robin over `users`; returns their time."""
    started = time.perf_counter()
    writes = []
    for number in range(changes):
        delay = started + number / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)  # pacing the load, not synchronising
        writes.append(asyncio.create_task(write(users[number % len(users)], number, run)))
    await asyncio.gather(*writes)
    return time.perf_counter() - started


def latencies_ms(run: Run) -> list[float]:
    """From each write leaving the client to its change arriving, per (change, tab) pair."""
    return [(at - run.sent[n]) * 1000 for (n, _tab), at in run.arrived.items()]


async def drive(topology: Topology, args: argparse.Namespace) -> dict[str, Any]:
    webapp, sync_worker = topology.service("webapp"), topology.service("sync_worker")
    users = await sign_up_users(webapp.app_url, args.tabs // args.tabs_per_user)
    run = Run()
    url = f"ws://127.0.0.1:{sync_worker.app_port}/ws/tasks/"
    tab_tasks = await open_tabs([url], webapp.app_url, users, args.tabs_per_user, run)

    changes = int(args.rate * args.seconds)
    run.expected = changes * args.tabs_per_user
    elapsed = await paced_writes(users, run, changes, args.rate)
    writes_done = time.perf_counter()
    await drain(run)
    await close(tab_tasks, users)

    latencies = latencies_ms(run)
    return {
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
        "delivered": len(run.arrived) / run.expected if run.expected else 0.0,
        "drain_s": max(0.0, max(run.arrived.values(), default=writes_done) - writes_done),
        "throughput": (changes - run.failed_writes) / elapsed,
        "write_p50_ms": percentile([w * 1000 for w in run.write_latencies], 50),
        "failed_writes": float(run.failed_writes),
        "failure_causes": run.failure_causes,
        "reconnects": float(run.reconnects),
    }


def measure(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    with running_system(backend) as (_group, topology):
        return asyncio.run(drive(topology, args))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tabs", type=int, default=1000)
    parser.add_argument("--tabs-per-user", type=int, default=10)
    parser.add_argument("--rate", type=float, default=100.0, help="changes per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()

    results = {backend: measure(backend, args) for backend in BACKENDS}
    print(f"live sync: {args.tabs} tabs ({args.tabs_per_user} per user), "
          f"{args.rate:.0f} changes/s for {args.seconds:.0f} s, tracing off")  # fmt: skip
    print(f"{'':24}{'Dapr':>12}{'baseline':>12}{'ratio':>8}")
    for name, label in ROWS:
        dapr, base = results["dapr"][name], results["direct"][name]
        ratio = f"{dapr / base:8.2f}" if base and name in RATIO_ROWS else f"{'-':>8}"
        print(f"{label:24}{dapr:12.3f}{base:12.3f}{ratio}")
    for backend, title in (("dapr", "Dapr"), ("direct", "baseline")):
        if causes := results[backend]["failure_causes"]:
            listed = ", ".join(f"{cause} {count}" for cause, count in causes.most_common())
            print(f"failed writes through {title}: {listed}")


if __name__ == "__main__":
    main()
