"""Task events from pub/sub (components/subscriptions-bindings.yaml) to reminder actors.

Replicas of bindings-worker share one consumer group, so each event reaches one replica;
the task's actor, wherever placement put it, decides by task version what changes.
Reminders are minutes away, so the subscription takes events in bulk: one request carries
up to a hundred of them, instead of a request per event (two per change, direct and outbox).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from audit.record import whitelisted
from bindings_worker import audit_sealer
from common import dapr_names
from common.cloudevents import (
    DROP,
    RETRY,
    SUCCESS,
    BulkEntry,
    MalformedEvent,
    bulk_answer,
    parse_bulk,
)
from common.dapr import actors
from common.dapr.errors import DaprError
from common.dapr.guards import from_sidecar
from common.event_observability import count_delivered, in_event_trace
from common.task_events import TaskEvent

logger = logging.getLogger(__name__)

# Actor turns of one bulk in flight at once; each task's actor is its own turn.
CONCURRENCY = 8


@require_POST
@from_sidecar
async def task_events(request: HttpRequest) -> JsonResponse:
    """A bulk of task events: SUCCESS, RETRY (Dapr redelivers) or DROP (dead letter) each."""
    try:
        entries = parse_bulk(request.body)
    except MalformedEvent as error:
        return JsonResponse({"error": str(error)}, status=400)
    # A change's audit record rides in its event (webapp/todo/services.py): sealed before the
    # reminders are touched, and a failed seal retries the events that carry one.
    sealed = await _seal_audit(entries)
    slots = asyncio.Semaphore(CONCURRENCY)

    async def apply(entry: BulkEntry) -> str:
        # Each entry is a change of its own, in the trace its CloudEvent carries (the
        # request's span is one bulk's, in none of them): the actor call joins that trace.
        async with slots:
            with in_event_trace(entry.envelope, dapr_names.TASK_EVENTS_TOPIC):
                status = await _apply(entry)
        if status == SUCCESS:
            count_delivered(entry.envelope)
        return status

    statuses = [
        status if sealed or not _audit_of(entry) else RETRY
        for entry, status in zip(
            entries, await asyncio.gather(*(apply(entry) for entry in entries)), strict=True
        )
    ]
    answered = zip((entry.entry_id for entry in entries), statuses, strict=True)
    return bulk_answer(dict(answered))


def _audit_of(entry: BulkEntry) -> dict[str, Any] | None:
    try:
        data = entry.data()
        return whitelisted(data["audit"]) if isinstance(data, dict) and "audit" in data else None
    except (MalformedEvent, ValueError):
        return None


async def _seal_audit(entries: list[BulkEntry]) -> bool:
    records = [record for entry in entries if (record := _audit_of(entry)) is not None]
    try:
        await audit_sealer.seal(records)
    except DaprError as error:
        logger.warning("audit records of task events not sealed", extra={"reason": str(error)})
        return False
    return True


async def _apply(entry: BulkEntry) -> str:
    try:
        event = TaskEvent.from_data(entry.data())
    except MalformedEvent as error:
        logger.warning("malformed task event dropped to dead letter", extra={"reason": str(error)})
        return DROP
    if event.type == "task.created" and event.task.due is None:
        return SUCCESS  # a new task without a due date has no reminder to manage
    try:
        result = await actors.call(
            dapr_names.REMINDER_ACTOR_TYPE, event.task.id, "apply_event", event.to_data()
        )
    except DaprError as error:
        logger.warning("task event not applied; retrying", extra={"reason": str(error)})
        return RETRY
    logger.info(
        "task event applied to reminder",
        extra={"entry_id": entry.entry_id, "dedupe_key": event.dedupe_key, "result": result},
    )
    return SUCCESS
