"""Read-only endpoints for operators."""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from common.state import StateError
from sync_worker.dead_letters import list_dead_letters

logger = logging.getLogger(__name__)


@require_GET
async def dead_letters(request: HttpRequest) -> JsonResponse:
    """The most recent poison task events, oldest first."""
    try:
        entries = await list_dead_letters()
    except StateError:
        logger.exception("dead letters unavailable")
        return JsonResponse({"error": "the state store is unavailable; try again"}, status=503)
    return JsonResponse({"dead_letters": entries})
