"""KEDA scales the chart's workers on the real backlog of their subscriptions, on each broker.

A whole system (real sidecars, real Redis and RabbitMQ) runs beside the control plane, once
per broker (the `pubsub` marker: tests/conftest.py); the chart is installed with the same
pubsub.broker and its KEDA triggers pointed at that system's broker through the chart's
TriggerAuthentication and Secret: on RabbitMQ the `rabbitmq` scaler over AMQP (the
management plugin is not enabled) with the Secret's rabbitmq-url, on Redis the
`redis-streams` scaler with its redis-password. With bindings-worker stopped, task events
published through webapp's sidecar pile up in bindings-worker's subscription (the queue
bindings-worker-task-events, or the consumer group its sidecar created on the stream); KEDA's
metric must equal that backlog and the HPA it made must ask for ceil(backlog / target)
replicas, then fall back to one once the restarted worker drains it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest

from common.dapr_names import BINDINGS_WORKER_APP_ID, TASK_EVENTS_TOPIC
from devtools import commands, credentials
from tests.conftest import RunningSystem, running_system
from tests.integration.publishing import publish, task_event
from tests.k8s.api import Api, checked
from tests.k8s.control_plane import ControlPlane, wait_for
from tests.k8s.keda import Keda, quantity
from tests.k8s.test_chart_admission import chart_secrets, run_helm, secret
from tests.unit.helm.test_chart import CHART, EVERYTHING, KEDA_SCALER, ON_BROKER, set_args

pytestmark = pytest.mark.pubsub
RELEASE = "scale"
TARGET = 100
BACKLOG = 250  # ceil(250 / 100) = 3: one HPA step (it may add 4 pods, or double, at once)
STABILISATION = 3
# Redis: lagCount, entries not yet delivered to the group, which is what a stopped worker
# leaves (its sidecar reads nothing, so nothing becomes pending). RabbitMQ: the queue's
# ready messages, the same for a stopped worker.
VALUES = (
    *EVERYTHING,
    # No brokers' namespaces: the brokers run on this host.
    "networkPolicy.redis.enabled=false",
    "networkPolicy.rabbitmq.enabled=false",
    "keda.metric=lagCount",
    f"keda.target={TARGET}",
    "keda.pollingInterval=1",
    f"keda.scaleDownStabilizationSeconds={STABILISATION}",
)


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory, broker: str) -> Iterator[RunningSystem]:
    """A system of this module's own on `broker`: it stops and restarts bindings-worker."""
    with running_system(tmp_path_factory.mktemp(f"scaled-{broker}"), broker) as running:
        yield running


@pytest.fixture(scope="module")
def namespace(broker: str) -> str:
    """The release's namespace: one per broker, as each broker's release stays installed."""
    return f"scaling-{broker}"


def broker_secret(system: RunningSystem) -> dict[str, Any]:
    """The release's Secret with what KEDA's TriggerAuthentication reads on the system's
    broker (the apps' keys are not read here: no pod runs)."""
    topology = system.topology
    if topology.broker == "rabbitmq":
        return secret(
            "dapr-todo",
            {
                "rabbitmq-url": commands.rabbitmq_url(topology),
                "rabbitmq-password": credentials.rabbitmq_password(topology),
            },
        )
    return secret("dapr-todo", {"redis-password": credentials.redis_password(topology)})


@pytest.fixture(scope="module")
def release(
    control_plane: ControlPlane,
    api: Api,
    keda: Keda,
    system: RunningSystem,
    namespace: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> list[dict[str, Any]]:
    """The chart installed with KEDA on, on the system's broker; its ScaledObjects."""
    api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    for doc in chart_secrets(tmp_path_factory.mktemp("scaling-secrets")):
        if doc["metadata"]["name"] == "dapr-todo":
            doc = broker_secret(system)
        api.create(doc, namespace)
    topology = system.topology
    sets = [
        *VALUES,
        *ON_BROKER[topology.broker],
        f"redis.host={topology.redis_host}",
        f"rabbitmq.host={topology.rabbitmq_host}",
    ]
    done = run_helm(
        control_plane, "install", RELEASE, str(CHART), "-n", namespace, "--no-hooks",
        *set_args(tuple(sets)),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return api.list("keda.sh/v1alpha1", "ScaledObject", namespace)


def condition(doc: dict[str, Any] | None, kind: str) -> str:
    conditions = (doc or {}).get("status", {}).get("conditions") or []
    return next((c["status"] for c in conditions if c["type"] == kind), "")


def hpa(api: Api, scaled: dict[str, Any]) -> dict[str, Any] | None:
    name = f"keda-hpa-{scaled['metadata']['name']}"
    where = scaled["metadata"]["namespace"]
    return api.get("autoscaling/v2", "HorizontalPodAutoscaler", name, where)


def metric_names(api: Api, scaled: dict[str, Any]) -> list[str]:
    """The external metrics of the HPA KEDA made for `scaled`, one per trigger."""
    found = hpa(api, scaled) or {}
    return [m["external"]["metric"]["name"] for m in found["spec"]["metrics"]]


def external_metric(api: Api, scaled: dict[str, Any]) -> float:
    """What KEDA serves the HPA for `scaled`'s task-events trigger, through the aggregator."""
    (name,) = [n for n in metric_names(api, scaled) if n.endswith(TASK_EVENTS_TOPIC)]
    selector = f"scaledobject.keda.sh/name={scaled['metadata']['name']}"
    where = scaled["metadata"]["namespace"]
    reply = api.client.get(
        f"/apis/external.metrics.k8s.io/v1beta1/namespaces/{where}/{name}",
        params={"labelSelector": selector},
    )
    (item,) = checked(reply)["items"]
    return quantity(item["value"])


def desired(api: Api, scaled: dict[str, Any]) -> int:
    return int(((hpa(api, scaled) or {}).get("status") or {}).get("desiredReplicas") or 0)


def ready(api: Api, name: str, namespace: str) -> bool:
    scaled = api.get("keda.sh/v1alpha1", "ScaledObject", name, namespace)
    return condition(scaled, "Ready") == "True"


def by_app(scaled: list[dict[str, Any]], app_id: str) -> dict[str, Any]:
    (found,) = [s for s in scaled if s["metadata"]["name"] == f"{RELEASE}-{app_id}"]
    return found


def test_every_scaled_object_reads_its_broker_and_has_an_hpa(
    api: Api, release: list[dict[str, Any]], namespace: str, broker: str
) -> None:
    assert len(release) == 2
    for scaled in release:
        name = scaled["metadata"]["name"]
        wait_for(f"{name} Ready", partial(ready, api, name, namespace), 120)
        made = wait_for(f"{name}'s HPA", partial(hpa, api, scaled))
        assert (made["spec"]["minReplicas"], made["spec"]["maxReplicas"]) == (1, 50)
        window = made["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"]
        assert window == STABILISATION
        for metric in metric_names(api, scaled):
            # KEDA names its metrics "s<index>-<scaler>-...".
            assert metric.split("-", 1)[1].startswith(f"{KEDA_SCALER[broker]}-"), metric
        # The trigger reaches the broker: the queue or group the sidecar created exists
        # (a passive declare of a missing queue, or a missing group, is an error).
        assert external_metric(api, scaled) == 0


def test_hpa_follows_the_backlog(
    api: Api, release: list[dict[str, Any]], system: RunningSystem
) -> None:
    scaled = by_app(release, BINDINGS_WORKER_APP_ID)
    wait_for("HPA at one replica", lambda: desired(api, scaled) == 1, 60)
    service = system.service("bindings_worker")
    system.group.stop(service.app_id)
    system.group.stop(f"{service.app_id}-dapr")
    webapp = system.service("webapp")
    owner = system.create_user("scaled", "scaled@example.org")
    for _ in range(BACKLOG):
        publish(webapp, task_event(owner, due=None))
    assert wait_for(
        "KEDA's metric at the backlog", lambda: external_metric(api, scaled) == BACKLOG, 60
    )
    want = min(50, math.ceil(BACKLOG / TARGET))
    wait_for(f"HPA asking for {want}", lambda: desired(api, scaled) == want, 60)
    system.start_service(service)
    wait_for("backlog drained", lambda: external_metric(api, scaled) == 0, 120)
    wait_for("HPA back at one replica", lambda: desired(api, scaled) == 1, 60)
