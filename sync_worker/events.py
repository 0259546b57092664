"""Endpoints that Dapr pub/sub delivers task events to (see components/subscriptions.yaml):
the live copy of each change one at a time, the outbox's copy in bulk."""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from common.cloudevents import (
    DROP,
    RETRY,
    SUCCESS,
    CloudEvent,
    MalformedEvent,
    bulk_answer,
    parse_bulk,
    parse_cloudevent,
    retry,
    success,
)
from common.dapr.errors import DaprError
from common.dapr.guards import from_sidecar
from common.event_observability import (
    count_delivered,
    in_event_trace,
    observed_dead_letter,
    observed_delivery,
)
from common.task_events import TaskEvent
from sync_worker.dead_letters import record_dead_letter
from sync_worker.delivery import deliver_task_event

logger = logging.getLogger(__name__)


@require_POST
@from_sidecar
@observed_delivery
async def task_event(request: HttpRequest) -> JsonResponse:
    """One change from task-events-live, right after it was saved."""
    cloudevent: CloudEvent | MalformedEvent
    try:
        cloudevent = parse_cloudevent(request.body)
    except MalformedEvent as malformed:
        cloudevent = malformed
    return JsonResponse({"status": await _deliver(cloudevent)})


@require_POST
@from_sidecar
async def task_events(request: HttpRequest) -> JsonResponse:
    """task-events in bulk: the outbox's copies, nearly all already delivered live.

    Entries are delivered in order (one user's changes stay in order), each answered on
    its own: SUCCESS, RETRY (Dapr redelivers it) or DROP (dead letter).
    """
    try:
        entries = parse_bulk(request.body)
    except MalformedEvent as error:
        return JsonResponse({"error": str(error)}, status=400)
    statuses = {}
    for entry in entries:
        with in_event_trace(entry.envelope):
            statuses[entry.entry_id] = await _deliver(entry.event)
        if statuses[entry.entry_id] == SUCCESS:
            count_delivered(entry.envelope)
    return bulk_answer(statuses)


async def _deliver(cloudevent: CloudEvent | MalformedEvent) -> str:
    """Logs and pushes one delivered event; the status Dapr should get for it."""
    try:
        if isinstance(cloudevent, MalformedEvent):
            raise cloudevent
        logger.info(
            "task event received",
            extra={
                "event_id": cloudevent.id,
                "event_type": cloudevent.type,
                "topic": cloudevent.topic,
            },
        )
        event = TaskEvent.from_data(cloudevent.data)
    except MalformedEvent as error:
        logger.warning("malformed task event dropped to dead letter", extra={"reason": str(error)})
        return DROP
    try:
        await deliver_task_event(event)
    except DaprError:
        logger.warning("task event not delivered; Dapr will redeliver it", exc_info=True)
        return RETRY
    return SUCCESS


@require_POST
@from_sidecar
@observed_dead_letter
async def dead_letter(request: HttpRequest) -> JsonResponse:
    """Records a poison event for operators; acknowledging it stops retries."""
    try:
        await record_dead_letter(request.body)
    except DaprError:
        logger.warning("dead letter not recorded; Dapr will redeliver it", exc_info=True)
        return retry()
    return success()
