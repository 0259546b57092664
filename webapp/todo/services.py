"""State changes of task lists: each is one first-write save plus its event, in one step.

A change is saved and published by one state transaction on the task store, whose outbox
publishes it on task-events (so a saved change is never left unpublished). Because Dapr
1.18's outbox holds every message for a fixed second, the same event is also published
directly right after the commit, on task-events-live, which only sync-worker reads (for
open tabs); it deduplicates by task id and version.

Writers of one list take a short Dapr lock first. The ETag alone would catch a lost race,
but Redis transactions do not roll back: the outbox's own marker in a transaction whose
save failed its ETag still commits, and the outbox would publish a change never saved.
One instance's writers of a list queue in-process before that, so they do not all poll
the shared lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from audit import publish as audit_publish
from audit import record as audit_record
from common import backends, metrics, tracing
from common.dapr.errors import DaprConflict, DaprError, DaprUnavailable
from common.dapr.lock import LockUnavailable
from common.dapr.state import Upsert
from common.dapr_names import TASK_EVENTS_TOPIC, TASK_LIVE_TOPIC, TASK_STORE, WEBAPP_APP_ID
from common.keyed_locks import KeyedLocks
from common.task_events import Task, TaskEvent
from webapp.todo.list_lock import held
from webapp.todo.tasklist import Change, TaskList, TaskNotFound, list_key

logger = logging.getLogger(__name__)

# Concurrent writes to *other* tasks of the same list only cost a re-read.
MAX_ATTEMPTS = 8
# How long a writer waits for another instance's writer of the same list.
LOCK_WAIT_SECONDS = 5.0

_writing = KeyedLocks()


class ListBusy(DaprUnavailable):
    """Too many concurrent writers on one list; the client may retry."""


async def load_task_list(owner: int) -> TaskList:
    item = await backends.state().get_item(TASK_STORE, list_key(owner))
    return TaskList.empty(owner) if item is None else TaskList.from_state(owner, item.value)


def _operations(
    owner: int, task_list: TaskList, etag: str | None, event: TaskEvent, audit: dict[str, Any]
) -> list[dict[str, Any]]:
    key = list_key(owner)
    # The outbox copies the save's metadata onto its CloudEvent. Dapr 1.18 sets only `traceid`
    # there and an empty `traceparent`, which would start the delivery on a new trace.
    envelope = {"type": event.type}
    if traceparent := tracing.current_traceparent():
        envelope["traceparent"] = traceparent
    save = Upsert(key, task_list.to_state(), etag, metadata=envelope)
    # The outbox publishes this projection (the event) instead of the whole saved list.
    # Its audit record rides inside it: published if and only if the change is saved, and
    # sealed by bindings-worker from there (consumers of task events ignore the member).
    projection = Upsert(
        key,
        {**event.to_data(), "audit": audit},
        metadata={"outbox.projection": "true", "contentType": "application/json"},
    )
    return [save.to_operation(), projection.to_operation()]


async def _publish_now(event: TaskEvent) -> None:
    try:
        await backends.publish().publish_cloudevent(
            TASK_LIVE_TOPIC, event.dedupe_key, event.type, WEBAPP_APP_ID, event.to_data()
        )
        metrics.EVENTS_PUBLISHED.labels(TASK_LIVE_TOPIC, event.type, "direct").inc()
    except DaprError:
        # The outbox still delivers it, about a second later.
        logger.warning("direct publish failed; relying on the outbox", exc_info=True)


@dataclass(frozen=True)
class Outcome:
    """What a request did: the task after it (None once deleted) and the event type."""

    task: Task | None
    event_type: str
    replayed: bool = False


async def apply_change(
    owner: int,
    idempotency_key: str,
    mutate: Callable[[TaskList], Change],
    action: str | None = None,
) -> Outcome:
    """Reads the list, applies `mutate`, saves with the ETag read, publishes the event.

    A request whose idempotency key was already applied is answered from the current
    list instead of applying twice. Domain errors from `mutate` (TaskNotFound,
    VersionConflict, TooManyTasks) propagate to the view. `action` names the change in
    the audit trail (default: the event type); a task not in the owner's list (another
    user's, or deleted) is recorded as denied.
    """
    key = list_key(owner)
    try:
        async with _writing(key), held(key, wait_seconds=LOCK_WAIT_SECONDS):
            return await _apply_locked(owner, key, idempotency_key, mutate, action)
    except LockUnavailable as busy:
        raise ListBusy(str(busy)) from busy
    except TaskNotFound as missing:
        await audit_publish.send(
            audit_record.build(
                action or "task.change",
                "task",
                str(missing),
                outcome="denied",
                reason="no such task in the user's list",
            )
        )
        raise


async def _apply_locked(
    owner: int,
    key: str,
    idempotency_key: str,
    mutate: Callable[[TaskList], Change],
    action: str | None,
) -> Outcome:
    for _ in range(MAX_ATTEMPTS):
        item = await backends.state().get_item(TASK_STORE, key)
        task_list = (
            TaskList.empty(owner) if item is None else TaskList.from_state(owner, item.value)
        )
        prior = task_list.replay(idempotency_key)
        if prior is not None:
            task_id, _version, event_type = prior
            return Outcome(task_list.tasks.get(task_id), event_type, replayed=True)
        change = mutate(task_list)
        task_list.remember(idempotency_key, change)
        etag = item.etag if item else None
        audit = audit_record.build(action or change.event.type, "task", change.task.id)
        try:
            await backends.state().transact(
                TASK_STORE, _operations(owner, task_list, etag, change.event, audit)
            )
        except DaprConflict:
            # Only when a lock expired mid-write; the outbox may publish this attempt too.
            logger.error("task list %s changed while locked; retrying", key)
            continue
        metrics.EVENTS_PUBLISHED.labels(TASK_EVENTS_TOPIC, change.event.type, "outbox").inc()
        await _publish_now(change.event)
        deleted = change.event.type == "task.deleted"
        return Outcome(None if deleted else change.task, change.event.type)
    raise ListBusy(f"task list of user {owner} is too busy, try again")
