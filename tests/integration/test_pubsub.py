"""Publish through one sidecar; the subscribed service receives the CloudEvent."""

from __future__ import annotations

import json
import random
import uuid

import httpx
import pytest

from common.dapr_names import PUBSUB, TASK_EVENTS_TOPIC
from common.task_events import NOTES_MAX_LENGTH
from tests.conftest import RunningSystem
from tests.integration.publishing import task_event
from tests.sidecar_tokens import sidecar_headers

pytestmark = [pytest.mark.integration, pytest.mark.pubsub]


def logged_event_id(line: str) -> str | None:
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return None
    return record.get("event_id") if record.get("message") == "task event received" else None


def test_published_cloudevent_reaches_sync_worker(system: RunningSystem) -> None:
    event_id = str(uuid.uuid4())
    cloudevent = {
        "specversion": "1.0",
        "id": event_id,
        "source": "tests",
        "type": "task.created",
        "datacontenttype": "application/json",
        "data": {"task": {"id": "t-1", "title": "Buy milk"}},
    }
    url = f"{system.service('webapp').sidecar_url}/v1.0/publish/{PUBSUB}/{TASK_EVENTS_TOPIC}"
    published = httpx.post(
        url,
        content=json.dumps(cloudevent),
        headers={
            "content-type": "application/cloudevents+json",
            **sidecar_headers(system.service("webapp")),
        },
    )
    assert published.status_code == 204
    system.app_process("sync_worker").wait_for_line(
        lambda line: logged_event_id(line) == event_id, timeout=30
    )


def test_a_burst_of_large_events_reaches_sync_worker_in_full_bulks(system: RunningSystem) -> None:
    # Dapr hands sync-worker the outbox's topic up to 100 events a request: with these notes a
    # full batch is over half a megabyte, and a batch refused with 400 is retried forever.
    owner = random.randrange(10**6, 10**7)
    cloudevents = [
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "tests",
            "type": "task.created",
            "datacontenttype": "application/json",
            "data": task_event(owner, due=None, notes="n" * NOTES_MAX_LENGTH).to_data(),
        }
        for _ in range(250)
    ]
    entries = [
        {"entryId": str(n), "event": event, "contentType": "application/cloudevents+json"}
        for n, event in enumerate(cloudevents)
    ]
    # Dapr's bulk publish API: one request, so the events reach the stream as one burst.
    url = f"/v1.0-alpha1/publish/bulk/{PUBSUB}/{TASK_EVENTS_TOPIC}"
    webapp = system.service("webapp")
    published = httpx.post(
        webapp.sidecar_url + url, json=entries, headers=sidecar_headers(webapp), timeout=30
    )
    assert published.status_code == 204, published.text
    missing = {event["id"] for event in cloudevents}

    def all_received(line: str) -> bool:
        missing.discard(logged_event_id(line))
        return not missing

    system.app_process("sync_worker").wait_for_line(all_received, timeout=60)
