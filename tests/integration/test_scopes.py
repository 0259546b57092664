"""Each sidecar reaches only the building blocks, topics and secrets its app uses.

Component `scopes` keep a component out of every other app's sidecar; pubsub's
publishingScopes and subscriptionScopes (every topic protected) refuse a topic to an app
they do not name it for; the Configuration's secret scopes shut the secrets API except for
the audit sealer's one key. Each call goes through the sidecar with its API token, as the
app itself would.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
import yaml

from common.dapr_names import (
    AUDIT_KEYS,
    AUDIT_SIGNING_SECRET,
    AUDIT_STORE,
    LOCK_STORE,
    PUBSUB,
    SECRET_STORE,
    SMTP_BINDING,
    TASK_EVENTS_DEAD_LETTER_TOPIC,
    TASK_EVENTS_TOPIC,
    TASK_LIVE_TOPIC,
    USER_EVENTS_TOPIC,
)
from common.user_events import PREFERENCES_CHANGED, UserEvent
from devtools import brokers
from devtools.topology import COMPONENTS_DIR, Service
from tests.conftest import RunningSystem
from tests.integration.broker_access import witness
from tests.integration.clients import cloudevent
from tests.integration.test_audit import wait_for_record
from tests.sidecar_tokens import sidecar_headers

pytestmark = [pytest.mark.integration, pytest.mark.pubsub]

TIMEOUT = 10.0
PACKAGES = ("webapp", "sync_worker", "bindings_worker")

# (publisher, topic): topics its app never publishes, so its sidecar must refuse them.
REFUSED_PUBLISHES = [
    ("sync_worker", TASK_EVENTS_TOPIC),
    ("sync_worker", TASK_LIVE_TOPIC),
    ("sync_worker", USER_EVENTS_TOPIC),
    ("bindings_worker", TASK_EVENTS_TOPIC),
    ("bindings_worker", USER_EVENTS_TOPIC),
    ("webapp", TASK_EVENTS_DEAD_LETTER_TOPIC),
    ("webapp", "not-a-topic"),
]


def call(service: Service, method: str, path: str, body: Any = None) -> httpx.Response:
    return httpx.request(
        method,
        service.sidecar_url + path,
        json=body,
        headers=sidecar_headers(service),
        timeout=TIMEOUT,
    )


def scoped_components(app_id: str, broker: str) -> set[str]:
    """The components components/ and `broker`'s directory scope to `app_id`."""
    names = set()
    paths = [*COMPONENTS_DIR.glob("*.yaml"), *brokers.components_dir(broker).glob("*.yaml")]
    for path in sorted(paths):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc["kind"] == "Component" and app_id in doc.get("scopes", []):
                names.add(doc["metadata"]["name"])
    return names


@pytest.mark.parametrize(("package", "topic"), REFUSED_PUBLISHES)
def test_a_topic_the_app_may_not_publish_is_refused(
    system: RunningSystem, package: str, topic: str
) -> None:
    service = system.service(package)
    event_id = f"scoped-{uuid.uuid4()}"
    with witness(system, topic) as seen:
        response = httpx.post(
            f"{service.sidecar_url}/v1.0/publish/{PUBSUB}/{topic}",
            json=cloudevent({"type": "task.created", "owner": 1}, event_id),
            headers=sidecar_headers(service),
            timeout=TIMEOUT,
        )
        assert response.status_code == 403, response.text
        assert response.json()["errorCode"] == "ERR_PUBSUB_FORBIDDEN"
        assert not seen.holds(event_id)


def test_the_topic_webapp_publishes_is_accepted(system: RunningSystem) -> None:
    """The control: the same publish from the one app whose scope names the topic."""
    webapp = system.service("webapp")
    event_id = f"scoped-{uuid.uuid4()}"
    # A user no tab belongs to: delivered, and refreshes nothing.
    event = UserEvent.new(PREFERENCES_CHANGED, 0)
    with witness(system, USER_EVENTS_TOPIC) as seen:
        response = httpx.post(
            f"{webapp.sidecar_url}/v1.0/publish/{PUBSUB}/{USER_EVENTS_TOPIC}",
            json=cloudevent(event.to_data(), event_id),
            headers=sidecar_headers(webapp),
            timeout=TIMEOUT,
        )
        assert response.status_code == 204, response.text
        assert seen.holds(event_id)


@pytest.mark.parametrize("package", PACKAGES)
def test_each_sidecar_loads_only_the_components_scoped_to_its_app(
    system: RunningSystem, package: str
) -> None:
    service = system.service(package)
    metadata = call(service, "GET", "/v1.0/metadata").json()
    expected = scoped_components(service.app_id, system.topology.broker)
    assert {c["name"] for c in metadata["components"]} == expected


# (sidecar, method, path, body, status, errorCode): a building block outside the app's
# scopes, and how Dapr 1.18.2 says it has none (each block in its own way).
OUT_OF_SCOPE = [
    ("sync_worker", "POST", f"/v1.0/bindings/{SMTP_BINDING}", {"operation": "create"},
     500, "ERR_INVOKE_OUTPUT_BINDING"),
    ("webapp", "POST", f"/v1.0/bindings/{SMTP_BINDING}", {"operation": "create"},
     500, "ERR_INVOKE_OUTPUT_BINDING"),
    ("sync_worker", "POST", f"/v1.0-alpha1/lock/{LOCK_STORE}",
     {"resourceId": "scopes-test", "lockOwner": "scopes-test", "expiryInSeconds": 5},
     500, "ERR_LOCK_STORE_NOT_CONFIGURED"),
    ("sync_worker", "GET", f"/v1.0/state/{AUDIT_STORE}/audit-head", None,
     400, "ERR_STATE_STORE_NOT_FOUND"),
    ("webapp", "GET", f"/v1.0/secrets/{AUDIT_KEYS}/{AUDIT_SIGNING_SECRET}", None,
     401, "ERR_SECRET_STORE_NOT_FOUND"),
]  # fmt: skip


@pytest.mark.parametrize(("package", "method", "path", "body", "status", "code"), OUT_OF_SCOPE)
def test_a_component_outside_the_apps_scopes_is_not_there(
    system: RunningSystem, package: str, method: str, path: str, body: Any, status: int, code: str
) -> None:
    response = call(system.service(package), method, path, body)
    assert (response.status_code, response.json()["errorCode"]) == (status, code)


@pytest.mark.parametrize("package", PACKAGES)
def test_no_app_reads_a_secret_of_the_secret_store(system: RunningSystem, package: str) -> None:
    service = system.service(package)
    one = call(service, "GET", f"/v1.0/secrets/{SECRET_STORE}/redis-password")
    assert one.status_code == 403
    assert one.json()["errorCode"] == "ERR_PERMISSION_DENIED"
    # Dapr 1.18.2 answers a bulk read 200, with every denied secret left out.
    bulk = call(service, "GET", f"/v1.0/secrets/{SECRET_STORE}/bulk")
    assert bulk.status_code == 200
    assert list(bulk.json()) == []


def test_the_sealer_reads_its_signing_key_and_nothing_else(system: RunningSystem) -> None:
    sealer = system.service("bindings_worker")
    key = call(sealer, "GET", f"/v1.0/secrets/{AUDIT_KEYS}/{AUDIT_SIGNING_SECRET}")
    assert key.status_code == 200
    assert list(key.json()) == [AUDIT_SIGNING_SECRET]
    other = call(sealer, "GET", f"/v1.0/secrets/{AUDIT_KEYS}/redis-password")
    assert other.status_code == 403
    bulk = call(sealer, "GET", f"/v1.0/secrets/{AUDIT_KEYS}/bulk")
    assert list(bulk.json()) in ([], [AUDIT_SIGNING_SECRET])


# A route of each app that only its sidecar may call: a direct call is refused (401) and the
# app publishes a `denied` audit record on `audit`.
GUARDED_ROUTES = {
    "webapp": "/internal/preferences",
    "sync_worker": "/ops/metadata",
    "bindings_worker": "/api/reminders",
}


@pytest.mark.parametrize("package", PACKAGES)
def test_every_app_may_still_publish_its_audit_records(system: RunningSystem, package: str) -> None:
    service = system.service(package)
    agent = f"scopes-audit-{uuid.uuid4()}"
    response = httpx.get(
        service.app_url + GUARDED_ROUTES[package], headers={"User-Agent": agent}, timeout=TIMEOUT
    )
    assert response.status_code == 401
    record = wait_for_record(system, lambda r: r["user_agent"] == agent)
    assert (record["app_id"], record["outcome"]) == (service.app_id, "denied")
