"""Poison task events, kept where operators can see them (GET /ops/dead-letters).

A bounded list in the state store, newest last; each entry says why the event was
rejected when that can still be told from its body.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from common import backends
from common.cloudevents import MalformedEvent, parse_cloudevent
from common.dapr.errors import DaprConflict, DaprUnavailable
from common.dapr.state import StateItem
from common.dapr_names import STATE_STORE
from common.task_events import TaskEvent

logger = logging.getLogger(__name__)

DEAD_LETTERS_KEY = "dead-letters"
KEEP = 100
BODY_LIMIT = 4096
MAX_ATTEMPTS = 10


def describe_dead_letter(body: bytes) -> dict[str, Any]:
    """An operator's view of one poison event: its ids, why it was rejected, its body."""
    entry: dict[str, Any] = {
        "received_at": datetime.now(UTC).isoformat(),
        "event_id": None,
        "type": None,
        "reason": None,
        "body": body[:BODY_LIMIT].decode("utf-8", errors="replace"),
    }
    try:
        cloudevent = parse_cloudevent(body)
        entry.update(event_id=cloudevent.id, type=cloudevent.type)
        TaskEvent.from_data(cloudevent.data)
    except MalformedEvent as error:
        entry["reason"] = str(error)
    return entry


async def record_dead_letter(body: bytes) -> dict[str, Any]:
    """Logs a poison event at ERROR and appends it to the bounded list; raises DaprError."""
    entry = describe_dead_letter(body)
    logger.error(
        "dead-lettered task event",
        extra={k: entry[k] for k in ("event_id", "type", "reason", "body")},
    )
    for _ in range(MAX_ATTEMPTS):
        item = await backends.state().get_item(STATE_STORE, DEAD_LETTERS_KEY)
        entries = _entries(item)
        try:
            await backends.state().save_item(
                STATE_STORE,
                DEAD_LETTERS_KEY,
                [*entries, entry][-KEEP:],
                item.etag if item else None,
            )
        except DaprConflict:
            continue
        return entry
    raise DaprUnavailable("dead-letter list is too contended")


async def list_dead_letters() -> list[dict[str, Any]]:
    return _entries(await backends.state().get_item(STATE_STORE, DEAD_LETTERS_KEY))


def _entries(item: StateItem | None) -> list[dict[str, Any]]:
    if item is None or not isinstance(item.value, list):
        return []
    return [e for e in item.value if isinstance(e, dict)]
