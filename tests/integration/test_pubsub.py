"""Publish through one sidecar; the subscribed service receives the CloudEvent."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from common.dapr_names import PUBSUB, TASK_EVENTS_TOPIC
from tests.conftest import RunningSystem

pytestmark = pytest.mark.integration


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
        headers={"content-type": "application/cloudevents+json"},
    )
    assert published.status_code == 204
    system.app_process("sync_worker").wait_for_line(
        lambda line: logged_event_id(line) == event_id, timeout=30
    )
