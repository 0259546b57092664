"""The cron input binding endpoint (components/digest-cron.yaml).

The sidecar probes it with OPTIONS at start (any non-404 answer subscribes) and POSTs on
every tick, on every replica; bindings_worker.digest makes each digest go out once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_http_methods

from bindings_worker import digest
from common.dapr.errors import DaprError
from common.dapr.guards import from_sidecar

logger = logging.getLogger(__name__)


@require_http_methods(["OPTIONS", "POST"])
@from_sidecar
async def digest_tick(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return HttpResponse(status=200)
    logger.info("digest cron tick")
    try:
        outcomes = await digest.send_due_digests(datetime.now(UTC))
    except DaprError as error:
        logger.warning("digest tick failed; the next tick retries", extra={"reason": str(error)})
        return JsonResponse({"status": "failed", "reason": str(error)}, status=503)
    logger.info("digest tick done", extra={"outcomes": outcomes})
    return JsonResponse({"status": "ok", "outcomes": outcomes})
