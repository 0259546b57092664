"""What KEDA reads from a backlog, the replicas it asks for, and how long it takes to notice.

    .venv/bin/python -m bench.scaling.keda_backlog [--backlogs 0 100 1000 10000 100000]
                                                   [--target 100] [--max-replicas 50]

Starts a control plane, KEDA's operator and metrics server (as tests/k8s does) and a Redis
on 127.0.0.1, then a Deployment and a ScaledObject with the chart's redis-streams trigger
(lagCount, one consumer group on task-events, polled every second). For each backlog it
resets the stream, appends the entries (XADD in pipelines: the cost measured is KEDA's
reading, not Dapr's publishing, which tests/k8s/test_keda_scaling.py goes through) and
times, from the last append, until the external metric the aggregator serves equals the
backlog (KEDA's metrics server asks the operator, which reads Redis on each request: no
polling delay) and until the HPA KEDA created asks for ceil(backlog/target) replicas (its
controller syncs every 2 s here, 15 s by default). The HPA's own scale-up limit
(at most double, or +4 pods, per 15 s) is why "HPA wants" may trail ceil(backlog/target).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import tempfile
import time
from pathlib import Path
from typing import Any

import redis
import yaml

from devtools.commands import Command
from devtools.probes import Probe, redis_answers, wait_until
from devtools.supervise import ProcessGroup
from devtools.topology import free_port
from tests.k8s.api import Api, checked
from tests.k8s.control_plane import start_control_plane, wait_for
from tests.k8s.keda import quantity, start_keda

KEDA_CRDS = Path(__file__).resolve().parents[2] / ".runtime" / "keda-crds"
NAMESPACE = "bench"
STREAM = "task-events"
GROUP = "bindings-worker"
NAME = "worker"
PIPELINE = 5_000
HPA_DEADLINE = 90.0


def workload(port: int, target: int, max_replicas: int) -> list[dict[str, Any]]:
    """A Deployment (its Pods stay Pending: no nodes) and the chart's kind of ScaledObject."""
    labels = {"app": NAME}
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}},
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": NAME, "namespace": NAMESPACE},
            "spec": {
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [{"name": NAME, "image": "busybox"}]},
                },
            },
        },
        {
            "apiVersion": "keda.sh/v1alpha1",
            "kind": "ScaledObject",
            "metadata": {"name": NAME, "namespace": NAMESPACE},
            "spec": {
                "scaleTargetRef": {"name": NAME},
                "minReplicaCount": 1,
                "maxReplicaCount": max_replicas,
                "pollingInterval": 1,
                "triggers": [
                    {
                        "type": "redis-streams",
                        "metadata": {
                            "address": f"127.0.0.1:{port}",
                            "stream": STREAM,
                            "consumerGroup": GROUP,
                            "lagCount": str(target),
                        },
                    }
                ],
            },
        },
    ]


def metric(api: Api) -> float | None:
    """The external metric the HPA reads for the ScaledObject, through the aggregator."""
    hpa = api.get("autoscaling/v2", "HorizontalPodAutoscaler", f"keda-hpa-{NAME}", NAMESPACE)
    if not hpa:
        return None
    name = hpa["spec"]["metrics"][0]["external"]["metric"]["name"]
    reply = api.client.get(
        f"/apis/external.metrics.k8s.io/v1beta1/namespaces/{NAMESPACE}/{name}",
        params={"labelSelector": f"scaledobject.keda.sh/name={NAME}"},
    )
    if reply.is_error:
        return None
    return quantity(str(checked(reply)["items"][0]["value"]))


def desired(api: Api) -> int:
    hpa = api.get("autoscaling/v2", "HorizontalPodAutoscaler", f"keda-hpa-{NAME}", NAMESPACE)
    return int(((hpa or {}).get("status") or {}).get("desiredReplicas") or 0)


def backlog(client: redis.Redis, entries: int) -> None:
    """The stream reset to `entries` undelivered entries of the group."""
    client.delete(STREAM)
    client.xgroup_create(STREAM, GROUP, id="$", mkstream=True)
    for start in range(0, entries, PIPELINE):
        with client.pipeline(transaction=False) as pipe:
            for _ in range(min(PIPELINE, entries - start)):
                pipe.xadd(STREAM, {"data": '{"type": "task.created"}'})
            pipe.execute()


def measure(api: Api, client: redis.Redis, entries: int, target: int, cap: int) -> dict:
    backlog(client, entries)
    added = time.monotonic()
    wait_for(f"metric {entries}", lambda: metric(api) == entries, 120, 0.1)
    seen = entries
    noticed = time.monotonic() - added
    want = max(1, min(cap, math.ceil(entries / target)))
    # The HPA may take several 15 s scale-up steps to get there: what it asks within the
    # deadline is what the table shows.
    decided = math.nan
    with contextlib.suppress(AssertionError):
        wait_for(f"HPA at {want}", lambda: desired(api) == want, HPA_DEADLINE, 0.1)
        decided = time.monotonic() - added
    return {"metric": seen, "keda": want, "hpa": desired(api), "s": noticed, "hpa_s": decided}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backlogs", type=int, nargs="+", default=[0, 100, 1_000, 10_000, 100_000])
    parser.add_argument("--target", type=int, default=100)
    parser.add_argument("--max-replicas", type=int, default=50)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp)
        plane = start_control_plane(state / "k8s")
        with plane.group, plane.client() as http:
            api = Api(http)
            for path in sorted(KEDA_CRDS.glob("*.yaml")):
                for doc in yaml.safe_load_all(path.read_text()):
                    if doc:
                        api.create(doc)
            wait_for("KEDA CRDs served", lambda: _served(api), 60)
            keda = start_keda(plane, api, state / "keda")
            port = free_port()
            with keda.group, ProcessGroup(state / "redis-logs", state) as group:
                group.start(Command("redis", ["redis-server", "--port", str(port),
                                              "--bind", "127.0.0.1", "--save", ""]))  # fmt: skip
                wait_until(Probe("redis", lambda: redis_answers(port), 30))
                client = redis.Redis(port=port)
                client.xgroup_create(STREAM, GROUP, id="$", mkstream=True)
                for doc in workload(port, args.target, args.max_replicas):
                    api.create(doc, doc["metadata"].get("namespace"))
                wait_for("KEDA's HPA", lambda: desired(api) >= 1, 120)
                rows = [
                    (n, measure(api, client, n, args.target, args.max_replicas))
                    for n in args.backlogs
                ]
    print(f"KEDA redis-streams lagCount, target {args.target} per replica, polled every 1 s")
    print(f"{'backlog':>9}{'metric':>9}{'KEDA asks':>11}{'HPA wants':>11}{'metric (s)':>12}"
          f"{'HPA (s)':>9}")  # fmt: skip
    for n, row in rows:
        print(f"{n:9}{row['metric']:9.0f}{row['keda']:11}{row['hpa']:11}{row['s']:12.2f}"
              f"{row['hpa_s']:9.1f}")  # fmt: skip


def _served(api: Api) -> bool:
    try:
        api.resource("keda.sh/v1alpha1", "ScaledObject")
    except AssertionError:
        return False
    return True


if __name__ == "__main__":
    main()
