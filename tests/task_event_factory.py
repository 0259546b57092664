"""Valid task-event data for tests (the contract is common.task_events)."""

from __future__ import annotations

import uuid
from typing import Any

from common.task_events import Task, TaskEvent

WHEN = "2026-01-05T09:30:00+00:00"


def make_task(**overrides: Any) -> Task:
    fields: dict[str, Any] = {
        "id": uuid.uuid4().hex,
        "title": "Buy milk",
        "notes": "",
        "due": None,
        "priority": "normal",
        "completed": False,
        "position": 1.0,
        "version": 1,
        "created_at": WHEN,
        "updated_at": WHEN,
    }
    return Task(**{**fields, **overrides})


def make_event(owner: int = 1, event_type: str = "task.created", **task: Any) -> TaskEvent:
    return TaskEvent(type=event_type, owner=owner, task=make_task(**task), occurred_at=WHEN)


def bulk_delivery(*events: Any) -> dict[str, Any]:
    """A body as Dapr delivers to a bulkSubscribe route: one entry per CloudEvent."""
    return {
        "id": "bulk-1",
        "topic": "task-events",
        "pubsubname": "pubsub",
        "type": "com.dapr.event.sent.bulk",
        "entries": [
            {"entryId": f"entry-{n}", "event": event, "metadata": {},
             "contentType": "application/cloudevents+json"}
            for n, event in enumerate(events)
        ],
    }  # fmt: skip
