"""Audit records from the `audit` topic (components/subscriptions-bindings.yaml), sealed.

One bulk is one append: every entry of it is acknowledged, or all are retried (the
sealer skips those already sealed when Dapr delivers them again).
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from audit.record import whitelisted
from bindings_worker import audit_sealer
from common.cloudevents import DROP, RETRY, SUCCESS, MalformedEvent, bulk_answer, parse_bulk
from common.dapr.errors import DaprError
from common.dapr.guards import from_sidecar

logger = logging.getLogger(__name__)


@require_POST
@from_sidecar
async def audit_records(request: HttpRequest) -> JsonResponse:
    """A bulk of audit records: SUCCESS, RETRY (the append failed) or DROP (malformed)."""
    try:
        entries = parse_bulk(request.body)
    except MalformedEvent as error:
        return JsonResponse({"error": str(error)}, status=400)
    statuses: dict[str, str] = {}
    records = []
    for entry in entries:
        try:
            records.append(whitelisted(entry.data()))
            statuses[entry.entry_id] = SUCCESS
        except (MalformedEvent, ValueError) as error:
            logger.warning("malformed audit record dead-lettered", extra={"reason": str(error)})
            statuses[entry.entry_id] = DROP
    try:
        await audit_sealer.seal(records)
    except DaprError as error:
        logger.warning("audit records not sealed; retrying", extra={"reason": str(error)})
        statuses = {k: RETRY if v == SUCCESS else v for k, v in statuses.items()}
    return bulk_answer(statuses)
