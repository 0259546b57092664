"""Sending a record to the trail: published on topic `audit` for bindings-worker to seal.

Task changes do not come here: their record rides in the change's own outbox event
(webapp/todo/services.py). A failed publish is logged, never raised: a refused sign-in
must still be refused when the pub/sub is down.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

from common.dapr import publish
from common.dapr.errors import DaprError
from common.dapr_names import AUDIT_TOPIC

logger = logging.getLogger(__name__)


async def send(record: dict[str, Any]) -> None:
    try:
        await publish.publish_cloudevent(
            AUDIT_TOPIC, record["id"], f"audit.{record['action']}", settings.DAPR_APP_ID, record
        )
    except DaprError:
        logger.error(
            "audit record not published",
            extra={"audit_action": record["action"], "audit_id": record["id"]},
            exc_info=True,
        )


def send_sync(record: dict[str, Any]) -> None:
    """`send` from sync code (Django's auth signals in sync views, manage.py)."""
    from asgiref.sync import async_to_sync

    async_to_sync(send)(record)
