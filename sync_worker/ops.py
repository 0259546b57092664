"""Read-only endpoints for operators."""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from audit import publish as audit_publish
from audit import record as audit_record
from common.dapr.errors import DaprError
from common.dapr.guards import from_app
from common.dapr_names import WEBAPP_APP_ID
from sync_worker.dead_letters import list_dead_letters

logger = logging.getLogger(__name__)


@require_GET
@from_app(WEBAPP_APP_ID)
async def dead_letters(request: HttpRequest) -> JsonResponse:
    """The most recent poison task events, oldest first.

    They hold task titles: only webapp (its staff-only operator page) may read them, through
    Dapr service invocation.
    """
    await audit_publish.send(
        audit_record.build("dead_letters.read", "dead_letters", None, request=request)
    )
    try:
        entries = await list_dead_letters()
    except DaprError:
        logger.exception("dead letters unavailable")
        return JsonResponse({"error": "the state store is unavailable; try again"}, status=503)
    return JsonResponse({"dead_letters": entries})
