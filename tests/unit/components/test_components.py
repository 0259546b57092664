"""components/ and common.dapr_names describe the same building blocks."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from django.urls import resolve

from common import dapr_names
from devtools import brokers
from devtools.topology import COMPONENTS_DIR, SERVICE_PACKAGES

APP_IDS = set(SERVICE_PACKAGES.values())


def documents(kind: str, broker: str = brokers.DEFAULT) -> list[dict[str, Any]]:
    """The `kind` documents a sidecar loads when `broker` carries `pubsub`."""
    docs = []
    paths = [*COMPONENTS_DIR.glob("*.yaml"), *brokers.components_dir(broker).glob("*.yaml")]
    for path in sorted(paths):
        docs += [doc for doc in yaml.safe_load_all(path.read_text()) if doc["kind"] == kind]
    return docs


def pubsub_component(broker: str = brokers.DEFAULT) -> dict[str, Any]:
    (pubsub,) = [
        d for d in documents("Component", broker) if d["metadata"]["name"] == dapr_names.PUBSUB
    ]
    return pubsub


def pubsub_settings(broker: str = brokers.DEFAULT) -> dict[str, Any]:
    """The pubsub component's plain metadata values, by name."""
    return {m["name"]: m.get("value") for m in pubsub_component(broker)["spec"]["metadata"]}


def bulk_batch_sizes() -> list[int]:
    return [
        doc["spec"]["bulkSubscribe"]["maxMessagesCount"]
        for doc in documents("Subscription")
        if doc["spec"]["pubsubname"] == dapr_names.PUBSUB and "bulkSubscribe" in doc["spec"]
    ]


def test_component_names_match_the_constants() -> None:
    names = {doc["metadata"]["name"] for doc in documents("Component")}
    assert names == {
        dapr_names.STATE_STORE,
        dapr_names.TASK_STORE,
        dapr_names.PUBSUB,
        dapr_names.OUTBOX_PUBSUB,
        dapr_names.LOCK_STORE,
        dapr_names.SECRET_STORE,
        dapr_names.CRON_BINDING,
        dapr_names.SMTP_BINDING,
        dapr_names.AUDIT_STORE,
        dapr_names.AUDIT_KEYS,
    }


def test_every_component_is_scoped_to_known_apps() -> None:
    for doc in documents("Component") + documents("Subscription"):
        scopes = doc.get("scopes")
        assert scopes, f"{doc['metadata']['name']} has no scopes"
        assert set(scopes) <= APP_IDS


def test_secrets_come_from_the_secret_store() -> None:
    for doc in documents("Component"):
        refs = [m for m in doc["spec"]["metadata"] if "secretKeyRef" in m]
        if refs:
            assert doc["auth"]["secretStore"] == dapr_names.SECRET_STORE
        for item in doc["spec"]["metadata"]:
            if "password" in item["name"].lower():
                assert "secretKeyRef" in item, f"{doc['metadata']['name']}: {item['name']} inline"


def test_only_one_actor_state_store() -> None:
    flagged = [
        doc["metadata"]["name"]
        for doc in documents("Component")
        for item in doc["spec"]["metadata"]
        if item["name"] == "actorStateStore" and item.get("value") == "true"
    ]
    assert flagged == [dapr_names.STATE_STORE]


@pytest.mark.urls("sync_worker.urls")
def test_subscriptions_route_to_sync_worker_endpoints() -> None:
    subscriptions = {
        doc["spec"]["topic"]: doc
        for doc in documents("Subscription")
        if doc["scopes"] == [dapr_names.SYNC_WORKER_APP_ID]
    }
    assert set(subscriptions) == {
        dapr_names.TASK_EVENTS_TOPIC,
        dapr_names.TASK_LIVE_TOPIC,
        dapr_names.TASK_EVENTS_DEAD_LETTER_TOPIC,
        dapr_names.USER_EVENTS_TOPIC,
    }
    for topic in (dapr_names.TASK_EVENTS_TOPIC, dapr_names.TASK_LIVE_TOPIC):
        spec = subscriptions[topic]["spec"]
        assert spec["pubsubname"] == dapr_names.PUBSUB
        assert spec["deadLetterTopic"] == dapr_names.TASK_EVENTS_DEAD_LETTER_TOPIC
    # Live copies one request each, for latency; the outbox's (mostly duplicates) in bulk.
    assert "bulkSubscribe" not in subscriptions[dapr_names.TASK_LIVE_TOPIC]["spec"]
    assert subscriptions[dapr_names.TASK_EVENTS_TOPIC]["spec"]["bulkSubscribe"]["enabled"]
    for doc in subscriptions.values():
        resolve(doc["spec"]["routes"]["default"])  # raises Resolver404 for a dead route


@pytest.mark.urls("bindings_worker.urls")
def test_bindings_worker_subscribes_to_task_events_with_a_dead_letter_topic() -> None:
    (subscription,) = [
        doc
        for doc in documents("Subscription")
        if doc["scopes"] == [dapr_names.BINDINGS_WORKER_APP_ID]
        and doc["spec"]["topic"] == dapr_names.TASK_EVENTS_TOPIC
    ]
    spec = subscription["spec"]
    assert spec["pubsubname"] == dapr_names.PUBSUB
    assert spec["deadLetterTopic"] == dapr_names.TASK_EVENTS_DEAD_LETTER_TOPIC
    assert spec["bulkSubscribe"]["enabled"]
    resolve(spec["routes"]["default"])


def test_smtp_binding_has_no_resiliency_timeout_or_retry() -> None:
    # Either would leave a send running in the sidecar and start another: duplicate e-mails.
    (resiliency,) = documents("Resiliency")
    assert dapr_names.SMTP_BINDING not in resiliency["spec"]["targets"]["components"]


@pytest.mark.urls("bindings_worker.urls")
def test_cron_binding_has_an_endpoint() -> None:
    resolve(f"/{dapr_names.CRON_BINDING}")


def test_redis_pubsub_durations_are_milliseconds() -> None:
    # This release ignores a duration string for redeliverInterval (it wants milliseconds).
    values = pubsub_settings("redis")
    assert values["processingTimeout"].isdigit()
    assert values["redeliverInterval"].isdigit()


def test_redis_pubsub_has_workers_for_bulk_batches_and_live_deliveries() -> None:
    # Each sidecar's subscriptions share the component's workers, and a bulk subscription
    # holds one per message until its batch is answered, plus as many queued behind it.
    assert bulk_batch_sizes()
    assert int(pubsub_settings("redis")["concurrency"]) > 2 * max(bulk_batch_sizes())


def test_rabbitmq_pubsub_lets_a_bulk_batch_fill_and_keeps_what_it_confirmed() -> None:
    # A bulk batch holds its messages unacknowledged until it is answered: the prefetch
    # must let two batches be in flight, each message handled by a worker of its own.
    values = pubsub_settings("rabbitmq")
    assert values["concurrency"] == "parallel"
    assert 2 * max(bulk_batch_sizes()) <= int(values["prefetchCount"]) <= 255
    # Durable queues, persistent messages, and a publish acknowledged only once confirmed.
    assert (values["durable"], values["deliveryMode"], values["publisherConfirm"]) == (
        "true",
        "2",
        "true",
    )


SCOPE_SETTINGS = ("allowedTopics", "protectedTopics", "publishingScopes", "subscriptionScopes")


def test_every_broker_gives_pubsub_the_same_name_scopes_and_topic_rules() -> None:
    """Swapping the broker changes where events live, never who may use which topic."""
    (first, *others) = (pubsub_component(broker) for broker in brokers.BROKERS)
    rules = [{k: pubsub_settings(b)[k] for k in SCOPE_SETTINGS} for b in brokers.BROKERS]
    assert others
    for other, other_rules in zip(others, rules[1:], strict=True):
        assert other["scopes"] == first["scopes"]
        assert other_rules == rules[0]


def test_each_broker_directory_holds_only_the_pubsub_component() -> None:
    """The broker is the one thing the choice changes (outbox-pubsub stays on Redis)."""
    for broker in brokers.BROKERS:
        names = [
            doc["metadata"]["name"]
            for path in brokers.components_dir(broker).glob("*.yaml")
            for doc in yaml.safe_load_all(path.read_text())
        ]
        assert names == [dapr_names.PUBSUB], broker


def test_the_local_sidecars_do_not_hot_reload_components() -> None:
    """daprd's self-hosted reconciler flags every component with a reference as changed each
    minute and logs an error for the actor state store (docs/operator-guide.md#logs)."""
    spec = yaml.safe_load((COMPONENTS_DIR / "config.yaml").read_text())["spec"]
    assert {"name": "HotReload", "enabled": False} in spec["features"]


def test_only_bindings_worker_subscribes_to_audit_records_with_a_dead_letter_topic() -> None:
    (subscription,) = [
        doc for doc in documents("Subscription") if doc["spec"]["topic"] == dapr_names.AUDIT_TOPIC
    ]
    assert subscription["scopes"] == [dapr_names.BINDINGS_WORKER_APP_ID]
    spec = subscription["spec"]
    assert spec["deadLetterTopic"] == dapr_names.AUDIT_DEAD_LETTER_TOPIC
    assert spec["bulkSubscribe"]["enabled"]
