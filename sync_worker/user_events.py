"""The endpoint Dapr pub/sub delivers user events to (components/subscriptions.yaml)."""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from common.cloudevents import MalformedEvent, drop, parse_cloudevent, retry, success
from common.dapr.errors import DaprError
from common.dapr.guards import from_sidecar
from common.event_observability import observed_delivery
from common.user_events import UserEvent
from sync_worker.delivery import deliver_user_event

logger = logging.getLogger(__name__)


@require_POST
@from_sidecar
@observed_delivery
async def user_event(request: HttpRequest) -> JsonResponse:
    try:
        event = UserEvent.from_data(parse_cloudevent(request.body).data)
    except MalformedEvent as error:
        # No dead-letter topic: a lost refresh costs a stale view until the next reload.
        logger.warning("malformed user event dropped", extra={"reason": str(error)})
        return drop()
    try:
        await deliver_user_event(event)
    except DaprError:
        logger.warning("user event not delivered; Dapr will redeliver it", exc_info=True)
        return retry()
    return success()
