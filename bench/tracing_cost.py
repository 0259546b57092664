"""The latency cost of tracing: sampling rate 1 against 0, measured in the same run.

    .venv/bin/python -m bench.tracing_cost [--requests 300] [--warmup 30]

Starts two whole systems side by side (each with its sidecars, Zipkin and Prometheus), one
with TRACING_SAMPLING_RATE=1 and one with 0, signs up a user on each and alternates task
creations between them (one at a time, the first of each pair switching), so background load
on the machine hits both alike. Prints for each rate the p50/p95/p99 of the POST /tasks/
round trip and of change → delivery to sync_worker over the direct publish, the latter from
sync_worker's /metrics (quantiles interpolated within histogram buckets, the mean exact).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

from devtools.supervise import ProcessGroup
from devtools.system import start_system
from devtools.topology import REPO_ROOT, Topology, free_topology
from tests.integration.webapp_http import WebappUser

SETTINGS = "config.settings.test"
RATES = ("1", "0")
RECEIVE_SERIES = "dapr_todo_event_receive_latency_seconds"
TASKS_PER_USER = 100


def quantile(sorted_values: list[float], q: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def direct_histogram(sync_worker_url: str) -> dict[str, float]:
    """Cumulative buckets (le → count) plus `sum` and `count` of direct-route deliveries."""
    text = httpx.get(f"{sync_worker_url}/metrics", timeout=5).text
    found: dict[str, float] = {}
    for line in text.splitlines():
        if not line.startswith(RECEIVE_SERIES) or 'route="direct"' not in line:
            continue
        name, value = line.rsplit(" ", 1)
        if name.startswith(f"{RECEIVE_SERIES}_bucket"):
            found[name.split('le="', 1)[1].split('"', 1)[0]] = float(value)
        elif name.startswith(f"{RECEIVE_SERIES}_sum"):
            found["sum"] = float(value)
        elif name.startswith(f"{RECEIVE_SERIES}_count"):
            found["count"] = float(value)
    return found


def histogram_quantile(q: float, after: dict[str, float], before: dict[str, float]) -> float:
    """Like PromQL's histogram_quantile over the difference of two scrapes."""
    bounds = sorted(
        (float(le), after[le] - before.get(le, 0.0))
        for le in after
        if le[0].isdigit() or le == "+Inf"
    )
    total = bounds[-1][1]
    if total <= 0:
        return float("nan")
    rank, lower, below = q * total, 0.0, 0.0
    for upper, cumulative in bounds:
        if cumulative >= rank:
            if upper == float("inf"):
                return lower
            inside = cumulative - below
            return lower + (upper - lower) * ((rank - below) / inside if inside else 0.0)
        lower, below = upper, cumulative
    return lower


def wait_for_deliveries(sync_worker_url: str, expected: float, before: dict[str, float]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if direct_histogram(sync_worker_url).get("count", 0) - before.get("count", 0) >= expected:
            return
        time.sleep(0.5)
    raise SystemExit(f"not every event reached sync_worker at {sync_worker_url}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    args = parser.parse_args()

    with ExitStack() as stack:
        systems: dict[str, Topology] = {}
        users: dict[str, WebappUser] = {}
        for rate in RATES:
            state = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            topology = free_topology(state)
            group = stack.enter_context(ProcessGroup(state / "logs", REPO_ROOT))
            start_system(group, topology, SETTINGS, {"TRACING_SAMPLING_RATE": rate})
            systems[rate] = topology
            users[rate] = WebappUser(topology.service("webapp").app_url)

        def close_users() -> None:
            for user in users.values():
                user.close()

        stack.callback(close_users)

        def create(rate: str, title: str) -> float:
            started = time.perf_counter()
            response = users[rate].post("/tasks/", {"title": title})
            elapsed = time.perf_counter() - started
            if response.status_code != 201:
                raise SystemExit(f"rate {rate}: POST /tasks/ answered {response.status_code}")
            return elapsed

        for i in range(args.warmup):
            for rate in RATES:
                create(rate, f"warm-up {i}")
        sync_urls = {rate: systems[rate].service("sync_worker").app_url for rate in RATES}
        before = {rate: direct_histogram(sync_urls[rate]) for rate in RATES}
        round_trips: dict[str, list[float]] = {rate: [] for rate in RATES}
        for i in range(args.requests):
            if i and i % TASKS_PER_USER == 0:  # a list's size (saved whole) stays bounded
                for rate in RATES:
                    users[rate].close()
                    users[rate] = WebappUser(systems[rate].service("webapp").app_url)
            for rate in RATES if i % 2 == 0 else tuple(reversed(RATES)):
                round_trips[rate].append(create(rate, f"bench {i}"))
        for rate in RATES:
            wait_for_deliveries(sync_urls[rate], args.requests, before[rate])
        after = {rate: direct_histogram(sync_urls[rate]) for rate in RATES}

    print(f"tracing cost: {args.requests} task creations per rate, alternating, same run")
    for rate in RATES:
        trips = sorted(round_trips[rate])
        count = after[rate]["count"] - before[rate].get("count", 0)
        mean = (after[rate]["sum"] - before[rate].get("sum", 0)) / count
        p = {q: histogram_quantile(q, after[rate], before[rate]) for q in (0.5, 0.95, 0.99)}
        ms = {q: quantile(trips, q) * 1000 for q in (0.5, 0.95, 0.99)}
        print(
            f"sampling rate {rate}: POST /tasks/ round trip p50 {ms[0.5]:.1f} ms, "
            f"p95 {ms[0.95]:.1f} ms, p99 {ms[0.99]:.1f} ms, "
            f"mean {statistics.mean(trips) * 1000:.1f} ms"
        )
        print(
            f"sampling rate {rate}: change -> sync_worker delivery (direct) "
            f"p50 {p[0.5] * 1000:.1f} ms, p95 {p[0.95] * 1000:.1f} ms, "
            f"p99 {p[0.99] * 1000:.1f} ms, mean {mean * 1000:.1f} ms ({count:.0f} events)"
        )


if __name__ == "__main__":
    main()
