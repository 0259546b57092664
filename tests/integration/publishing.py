"""Publishing task events the way webapp does: through a sidecar's publish API."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

import httpx

from common.dapr_names import PUBSUB, TASK_EVENTS_TOPIC
from common.task_events import Task, TaskEvent
from devtools.topology import Service
from tests.sidecar_tokens import sidecar_headers


def now() -> datetime:
    return datetime.now(UTC)


def task_event(
    owner: int,
    *,
    task_id: str | None = None,
    due: datetime | None,
    version: int = 1,
    event_type: str = "task.created",
    completed: bool = False,
    title: str = "Water the plants",
    notes: str = "",
) -> TaskEvent:
    stamp = now().isoformat()
    task = Task(
        id=task_id or f"t-{uuid.uuid4()}",
        title=title,
        notes=notes,
        due=None if due is None else due.isoformat(),
        priority="normal",
        completed=completed,
        position=1.0,
        version=version,
        created_at=stamp,
        updated_at=stamp,
    )
    return TaskEvent(type=event_type, owner=owner, task=task, occurred_at=stamp)


def changed(event: TaskEvent, event_type: str, **task_changes: object) -> TaskEvent:
    """The next version of `event`'s task with `task_changes` applied."""
    task = replace(event.task, version=event.task.version + 1, **task_changes)  # type: ignore[arg-type]
    return replace(event, type=event_type, task=task, occurred_at=now().isoformat())


def publish(sidecar: Service, event: TaskEvent, event_id: str | None = None) -> None:
    url = f"{sidecar.sidecar_url}/v1.0/publish/{PUBSUB}/{TASK_EVENTS_TOPIC}"
    cloudevent = {
        "specversion": "1.0",
        "id": event_id or str(uuid.uuid4()),
        "source": "tests",
        "type": event.type,
        "datacontenttype": "application/json",
        "data": event.to_data(),
    }
    response = httpx.post(
        url,
        json=cloudevent,
        headers={"content-type": "application/cloudevents+json", **sidecar_headers(sidecar)},
    )
    assert response.status_code == 204, response.text
