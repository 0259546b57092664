"""Publishing task events the way webapp does: through a sidecar's publish API."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

from common.task_events import Task, TaskEvent
from devtools.topology import Service
from tests.integration.clients import publish_task_event


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
    publish_task_event(sidecar, event.to_data(), event_id or str(uuid.uuid4()))
