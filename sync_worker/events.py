"""Endpoints that Dapr pub/sub delivers task events to (see components/subscriptions.yaml)."""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from common.cloudevents import MalformedEvent, drop, parse_cloudevent, success
from common.dapr_callback import from_sidecar
from common.event_observability import observed_dead_letter, observed_delivery

logger = logging.getLogger(__name__)


@require_POST
@from_sidecar
@observed_delivery
async def task_event(request: HttpRequest) -> JsonResponse:
    try:
        event = parse_cloudevent(request.body)
    except MalformedEvent as error:
        logger.warning("malformed task event dropped to dead letter", extra={"reason": str(error)})
        return drop()
    logger.info(
        "task event received",
        extra={"event_id": event.id, "event_type": event.type, "topic": event.topic},
    )
    return success()


@require_POST
@from_sidecar
@observed_dead_letter
async def dead_letter(request: HttpRequest) -> JsonResponse:
    """Records a poison event where operators look (the logs); acknowledging it stops retries."""
    logger.error(
        "dead-lettered task event",
        extra={"body": request.body[:4096].decode("utf-8", errors="replace")},
    )
    return success()
