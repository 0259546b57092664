"""Task events from pub/sub (components/subscriptions-bindings.yaml) to reminder actors.

Replicas of bindings-worker share one consumer group, so each event reaches one replica;
the task's actor, wherever placement put it, decides by task version what changes.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from bindings_worker import actors
from common import dapr_names
from common.cloudevents import MalformedEvent, drop, parse_cloudevent, retry, success
from common.dapr_callback import from_sidecar
from common.task_events import TaskEvent

logger = logging.getLogger(__name__)


@require_POST
@from_sidecar
async def task_event(request: HttpRequest) -> JsonResponse:
    try:
        cloudevent = parse_cloudevent(request.body)
        event = TaskEvent.from_data(cloudevent.data)
    except MalformedEvent as error:
        logger.warning("malformed task event dropped to dead letter", extra={"reason": str(error)})
        return drop()
    if event.type == "task.created" and event.task.due is None:
        return success()  # a new task without a due date has no reminder to manage
    try:
        result = await actors.call(
            dapr_names.REMINDER_ACTOR_TYPE, event.task.id, "apply_event", event.to_data()
        )
    except actors.ActorCallFailed as error:
        logger.warning("task event not applied; retrying", extra={"reason": str(error)})
        return retry()
    logger.info(
        "task event applied to reminder",
        extra={"event_id": cloudevent.id, "dedupe_key": event.dedupe_key, "result": result},
    )
    return success()
