"""Endpoints that Dapr pub/sub delivers task events to (see components/subscriptions.yaml)."""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from common.cloudevents import MalformedEvent, drop, parse_cloudevent, retry, success
from common.dapr_callback import from_sidecar
from common.event_observability import observed_dead_letter, observed_delivery
from common.state import StateError
from common.task_events import TaskEvent
from sync_worker.dead_letters import record_dead_letter
from sync_worker.delivery import deliver_task_event

logger = logging.getLogger(__name__)


@require_POST
@from_sidecar
@observed_delivery
async def task_event(request: HttpRequest) -> JsonResponse:
    try:
        cloudevent = parse_cloudevent(request.body)
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
        return drop()
    try:
        await deliver_task_event(event)
    except StateError:
        logger.warning("task event not delivered; Dapr will redeliver it", exc_info=True)
        return retry()
    return success()


@require_POST
@from_sidecar
@observed_dead_letter
async def dead_letter(request: HttpRequest) -> JsonResponse:
    """Records a poison event for operators; acknowledging it stops retries."""
    try:
        await record_dead_letter(request.body)
    except StateError:
        logger.warning("dead letter not recorded; Dapr will redeliver it", exc_info=True)
        return retry()
    return success()
