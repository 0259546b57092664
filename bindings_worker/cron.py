"""The cron input binding endpoint (components/digest-cron.yaml).

The sidecar probes it with OPTIONS at start (any non-404 answer subscribes) and POSTs on
every tick. The binding fires on every replica; the digest issue adds the guard.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_http_methods

from common.dapr_callback import from_sidecar

logger = logging.getLogger(__name__)


@require_http_methods(["OPTIONS", "POST"])
@from_sidecar
async def digest_tick(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return HttpResponse(status=200)
    logger.info("digest cron tick")
    return JsonResponse({"status": "ok"})
