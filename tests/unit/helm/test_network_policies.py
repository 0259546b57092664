"""The chart's opt-in NetworkPolicies: only the ingress reaches the apps, only the release's
pods (and the Dapr control plane) reach the sidecars, only the release's pods (and KEDA, on
the broker it reads) reach Redis and RabbitMQ.

A pod selected by some policy accepts only what a policy allows, so each test reads the
union of the rules that select a given pod.
"""

from __future__ import annotations

from typing import Any

from common import dapr_names
from tests.unit.helm.test_chart import DEFAULT, NAMESPACE, RELEASE, deployments, of_kind

ON = ("networkPolicy.enabled=true",)
WITH_REDIS = (*ON, "networkPolicy.redis.enabled=true", "keda.enabled=true")
WITH_BROKERS = (*WITH_REDIS, "networkPolicy.rabbitmq.enabled=true")
ON_REDIS = ("pubsub.broker=redis",)
SCRAPED = (*ON, "networkPolicy.metricsScraper.namespaceLabels.team=monitoring")
APP_PORT = 8000
SIDECAR_INTERNAL_PORT = 50002
RELEASE_PODS = {"app.kubernetes.io/name": "dapr-todo", "app.kubernetes.io/instance": RELEASE}
INGRESS_PEER = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}},
    "podSelector": {"matchLabels": {"app.kubernetes.io/name": "ingress-nginx"}},
}
CONTROL_PLANE_PEER = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "dapr-system"}}
}


def policies(sets: tuple[str, ...]) -> list[dict[str, Any]]:
    return of_kind(sets, "NetworkPolicy")


def selects(policy: dict[str, Any], labels: dict[str, str]) -> bool:
    wanted = policy["spec"]["podSelector"]["matchLabels"]
    return all(labels.get(key) == value for key, value in wanted.items())


def peers_by_port(sets: tuple[str, ...], app_id: str) -> dict[int, list[dict[str, Any]]]:
    """Who may reach each port of `app_id`'s pods, over every policy that selects them."""
    labels = deployments(sets)[app_id]["spec"]["template"]["metadata"]["labels"]
    allowed: dict[int, list[dict[str, Any]]] = {}
    for policy in policies(sets):
        if policy["metadata"].get("namespace", NAMESPACE) != NAMESPACE:
            continue
        if not selects(policy, labels):
            continue
        assert policy["spec"]["policyTypes"] == ["Ingress"]
        for rule in policy["spec"]["ingress"]:
            assert rule.get("from"), "a rule without peers admits everyone"
            assert rule.get("ports"), "a rule without ports opens every port"
            for port in rule["ports"]:
                allowed.setdefault(port["port"], []).extend(rule["from"])
    return allowed


def test_no_network_policy_unless_enabled() -> None:
    assert not policies(DEFAULT)


def test_every_pod_of_the_release_is_selected() -> None:
    for app_id, doc in deployments(ON).items():
        labels = doc["spec"]["template"]["metadata"]["labels"]
        assert any(selects(policy, labels) for policy in policies(ON)), app_id


def test_only_the_ingress_controller_reaches_webapp_and_sync_worker() -> None:
    for app_id in (dapr_names.WEBAPP_APP_ID, dapr_names.SYNC_WORKER_APP_ID):
        assert peers_by_port(ON, app_id)[APP_PORT] == [INGRESS_PEER]


def test_nothing_from_outside_its_pod_reaches_bindings_worker() -> None:
    assert APP_PORT not in peers_by_port(ON, dapr_names.BINDINGS_WORKER_APP_ID)


def test_sidecars_take_only_the_release_and_the_control_plane_on_their_internal_port() -> None:
    for app_id in deployments(ON):
        allowed = peers_by_port(ON, app_id)
        assert set(allowed) <= {APP_PORT, SIDECAR_INTERNAL_PORT}
        assert allowed[SIDECAR_INTERNAL_PORT] == [
            {"podSelector": {"matchLabels": RELEASE_PODS}},
            CONTROL_PLANE_PEER,
        ]


def test_a_configured_scraper_reaches_the_metrics_ports_only() -> None:
    monitoring = {"namespaceSelector": {"matchLabels": {"team": "monitoring"}}}
    for app_id in deployments(SCRAPED):
        allowed = peers_by_port(SCRAPED, app_id)
        assert monitoring in allowed[9090]
        assert monitoring in allowed[APP_PORT]
        assert monitoring not in allowed[SIDECAR_INTERNAL_PORT]


def in_namespace(sets: tuple[str, ...], namespace: str) -> list[dict[str, Any]]:
    return [p for p in policies(sets) if p["metadata"].get("namespace") == namespace]


RELEASE_PEER = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": NAMESPACE}},
    "podSelector": {"matchLabels": RELEASE_PODS},
}
KEDA_PEER = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "keda"}}}
REDIS_PODS = {"app.kubernetes.io/name": "redis"}
RABBITMQ_PODS = {"app.kubernetes.io/name": "rabbitmq"}


def test_redis_takes_only_the_release_its_own_pods_and_keda() -> None:
    assert not in_namespace(ON, "redis")
    (redis,) = in_namespace((*WITH_REDIS, *ON_REDIS), "redis")
    assert redis["spec"]["podSelector"]["matchLabels"] == REDIS_PODS
    (rule,) = redis["spec"]["ingress"]
    assert rule["ports"] == [{"port": 6379, "protocol": "TCP"}]
    assert rule["from"] == [RELEASE_PEER, {"podSelector": {"matchLabels": REDIS_PODS}}, KEDA_PEER]


def test_keda_reaches_redis_only_when_it_scales_on_redis_streams() -> None:
    (redis,) = in_namespace(WITH_REDIS, "redis")  # the default broker: RabbitMQ
    (rule,) = redis["spec"]["ingress"]
    assert rule["from"] == [RELEASE_PEER, {"podSelector": {"matchLabels": REDIS_PODS}}]


def test_rabbitmq_takes_the_release_and_keda_on_amqp_and_its_own_pods() -> None:
    assert not in_namespace(WITH_REDIS, "rabbitmq")  # opt-in, as Redis's
    (rabbitmq,) = in_namespace(WITH_BROKERS, "rabbitmq")
    assert rabbitmq["spec"]["podSelector"]["matchLabels"] == RABBITMQ_PODS
    assert rabbitmq["spec"]["policyTypes"] == ["Ingress"]
    amqp, cluster = rabbitmq["spec"]["ingress"]
    assert amqp == {"from": [RELEASE_PEER, KEDA_PEER], "ports": [{"port": 5672, "protocol": "TCP"}]}
    # A cluster's nodes talk on epmd's and the distribution ports: every port, nodes only.
    assert cluster == {"from": [{"podSelector": {"matchLabels": RABBITMQ_PODS}}]}
    (without_keda,) = in_namespace(
        tuple(s for s in WITH_BROKERS if s != "keda.enabled=true"), "rabbitmq"
    )
    assert without_keda["spec"]["ingress"][0]["from"] == [RELEASE_PEER]


def test_no_rabbitmq_policy_when_redis_carries_the_events() -> None:
    assert not in_namespace((*WITH_BROKERS, *ON_REDIS), "rabbitmq")
    assert in_namespace((*WITH_BROKERS, *ON_REDIS), "redis")
