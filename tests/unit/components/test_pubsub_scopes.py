"""The pubsub component's topic scopes (alike for every broker) fit what the apps use.

Dapr drops a subscription its app's subscriptionScopes do not name, and refuses a
dead-letter publish its publishingScopes do not name (1.18.2 IsOperationAllowed), both
without failing at start: only these checks would notice a scope that fell behind.
"""

from __future__ import annotations

from common import dapr_names
from tests.unit.components.test_components import documents, pubsub_settings


def scopes(name: str) -> dict[str, set[str]]:
    """publishingScopes or subscriptionScopes as {app-id: topics}."""
    apps = (part.split("=") for part in pubsub_settings()[name].split(";"))
    return {app: {topic for topic in topics.split(",") if topic} for app, topics in apps}


def pubsub_subscriptions() -> list[dict[str, object]]:
    return [d for d in documents("Subscription") if d["spec"]["pubsubname"] == dapr_names.PUBSUB]


def test_every_topic_is_allowed_and_protected() -> None:
    settings = pubsub_settings()
    allowed = set(settings["allowedTopics"].split(","))
    assert set(settings["protectedTopics"].split(",")) == allowed
    used = set().union(*scopes("publishingScopes").values(), *scopes("subscriptionScopes").values())
    assert used == allowed


def test_each_subscription_is_in_its_apps_subscription_scopes() -> None:
    subscribing = scopes("subscriptionScopes")
    expected: dict[str, set[str]] = {app: set() for app in subscribing}
    for subscription in pubsub_subscriptions():
        for app in subscription["scopes"]:  # type: ignore[attr-defined]
            expected[app].add(subscription["spec"]["topic"])  # type: ignore[index]
    assert subscribing == expected


def test_each_subscriber_may_publish_its_dead_letters() -> None:
    publishing = scopes("publishingScopes")
    for subscription in pubsub_subscriptions():
        dead = subscription["spec"].get("deadLetterTopic")  # type: ignore[attr-defined]
        for app in subscription["scopes"]:  # type: ignore[attr-defined]
            assert not dead or dead in publishing[app], (app, dead)


def test_only_webapp_publishes_task_changes_and_every_app_its_audit_records() -> None:
    publishing = scopes("publishingScopes")
    for topic in (
        dapr_names.TASK_EVENTS_TOPIC,
        dapr_names.TASK_LIVE_TOPIC,
        dapr_names.USER_EVENTS_TOPIC,
    ):
        assert {app for app, topics in publishing.items() if topic in topics} == {
            dapr_names.WEBAPP_APP_ID
        }
    assert all(dapr_names.AUDIT_TOPIC in topics for topics in publishing.values())
    assert set(publishing) == {
        dapr_names.WEBAPP_APP_ID,
        dapr_names.SYNC_WORKER_APP_ID,
        dapr_names.BINDINGS_WORKER_APP_ID,
    }
