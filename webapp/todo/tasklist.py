"""A user's task list as stored in the task store: one document per user.

One document (not one key per task) because Dapr's outbox publishes one event per saved
key: a change is then one first-write save of the list plus one event. Per-task
concurrency is kept by comparing the task version the client read with the stored one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from common.task_events import Task, TaskEvent

MAX_TASKS = 500
MAX_REMEMBERED_REQUESTS = 200


class TaskNotFound(LookupError):
    """No task with that id in this user's list."""


class VersionConflict(Exception):
    """The task changed since the client read it; carries the current task."""

    def __init__(self, current: Task) -> None:
        super().__init__(f"task {current.id} is at version {current.version}")
        self.current = current


class TooManyTasks(Exception):
    """The list is full."""


def list_key(owner: int) -> str:
    return f"tasks-{owner}"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Change:
    """The outcome of one mutation: the event to publish (its task is the new state)."""

    event: TaskEvent

    @property
    def task(self) -> Task:
        return self.event.task


@dataclass
class TaskList:
    owner: int
    tasks: dict[str, Task]
    # Idempotency keys of recent requests and what they produced, oldest first.
    applied: list[tuple[str, str, int, str]]

    @classmethod
    def empty(cls, owner: int) -> TaskList:
        return cls(owner=owner, tasks={}, applied=[])

    @classmethod
    def from_state(cls, owner: int, value: dict[str, Any]) -> TaskList:
        return cls(
            owner=owner,
            tasks={t["id"]: Task.from_dict(t) for t in value.get("tasks", [])},
            applied=[tuple(entry) for entry in value.get("applied", [])],
        )

    def to_state(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "tasks": [task.to_dict() for task in self.ordered()],
            "applied": [list(entry) for entry in self.applied],
        }

    def ordered(self) -> list[Task]:
        return sorted(self.tasks.values(), key=lambda t: (t.position, t.created_at))

    def get(self, task_id: str) -> Task:
        try:
            return self.tasks[task_id]
        except KeyError:
            raise TaskNotFound(task_id) from None

    def replay(self, idempotency_key: str) -> tuple[str, int, str] | None:
        """What an earlier request with this key did: (task id, version, event type)."""
        for key, task_id, version, event_type in self.applied:
            if key == idempotency_key:
                return task_id, version, event_type
        return None

    def remember(self, idempotency_key: str, change: Change) -> None:
        self.applied.append(
            (idempotency_key, change.task.id, change.task.version, change.event.type)
        )
        del self.applied[:-MAX_REMEMBERED_REQUESTS]

    def _event(self, event_type: str, task: Task, time_zone: str) -> Change:
        return Change(TaskEvent(event_type, self.owner, task, now_iso(), time_zone))

    def create(self, fields: dict[str, Any], time_zone: str) -> Change:
        if len(self.tasks) >= MAX_TASKS:
            raise TooManyTasks(f"a list holds at most {MAX_TASKS} tasks")
        stamp = now_iso()
        last = max((t.position for t in self.tasks.values()), default=0.0)
        task = Task(
            id=uuid.uuid4().hex,
            title=fields["title"],
            notes=fields.get("notes", ""),
            due=fields.get("due"),
            priority=fields.get("priority", "normal"),
            completed=False,
            position=last + 1.0,
            version=1,
            created_at=stamp,
            updated_at=stamp,
        )
        self.tasks[task.id] = task
        return self._event("task.created", task, time_zone)

    def _current(self, task_id: str, expected_version: int) -> Task:
        task = self.get(task_id)
        if task.version != expected_version:
            raise VersionConflict(task)
        return task

    def _store(self, task: Task, **changes: Any) -> Task:
        updated = replace(task, **changes, version=task.version + 1, updated_at=now_iso())
        self.tasks[task.id] = updated
        return updated

    def update(
        self, task_id: str, expected_version: int, fields: dict[str, Any], time_zone: str
    ) -> Change:
        task = self._store(self._current(task_id, expected_version), **fields)
        return self._event("task.updated", task, time_zone)

    def set_completed(
        self, task_id: str, expected_version: int, completed: bool, time_zone: str
    ) -> Change:
        task = self._store(self._current(task_id, expected_version), completed=completed)
        return self._event("task.completed" if completed else "task.reopened", task, time_zone)

    def delete(self, task_id: str, expected_version: int, time_zone: str) -> Change:
        task = self._current(task_id, expected_version)
        del self.tasks[task_id]
        gone = replace(task, version=task.version + 1, updated_at=now_iso())
        return self._event("task.deleted", gone, time_zone)

    def move(self, task_id: str, expected_version: int, direction: str, time_zone: str) -> Change:
        """Moves a task one place up or down; only the moved task changes (its position)."""
        task = self._current(task_id, expected_version)
        order = self.ordered()
        index = order.index(task)
        target = index - 1 if direction == "up" else index + 1
        if not 0 <= target < len(order):
            return self._event("task.updated", self._store(task), time_zone)
        neighbour = order[target]
        beyond_index = target - 1 if direction == "up" else target + 1
        if 0 <= beyond_index < len(order):
            position = (neighbour.position + order[beyond_index].position) / 2
        else:
            position = neighbour.position + (-1.0 if direction == "up" else 1.0)
        return self._event("task.updated", self._store(task, position=position), time_zone)

    def counts(self) -> dict[str, int]:
        done = sum(1 for t in self.tasks.values() if t.completed)
        return {"all": len(self.tasks), "active": len(self.tasks) - done, "completed": done}
