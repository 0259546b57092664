"""The daily digest: once per user and local day, at the user's chosen time.

The cron binding ticks on every replica. A replica sends a user's digest only while it
holds that user's lock for the day AND it wins the ETag write of "digest sent for day D";
a replica that loses either sends nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Literal

from bindings_worker import locks, reminder_index, smtp, users
from bindings_worker.emails import DigestItem, digest_email
from bindings_worker.preferences import ReminderPreferences, reminder_preferences
from common.dapr import state
from common.dapr.errors import DaprConflict
from common.dapr_names import STATE_STORE

logger = logging.getLogger(__name__)

LOCK_SECONDS = 120
Outcome = Literal[
    "sent",
    "not yet",
    "off",
    "locked",
    "already sent",
    "lost race",
    "empty",
    "failed",
    "unconfirmed",
    "unverified",
]


def digest_key(owner: int) -> str:
    return f"digest-{owner}"


def local_day(now: datetime, preferences: ReminderPreferences) -> str | None:
    """The user's local date when their digest time has come today, else None."""
    local = now.astimezone(preferences.zone)
    return local.date().isoformat() if local.time() >= preferences.digest_at else None


async def send_due_digests(now: datetime) -> dict[str, int]:
    """Sends every digest that is due; returns how many ended in each outcome."""
    counts: dict[str, int] = {}
    for owner, email in await users.users_with_email():
        outcome = await send_digest(owner, email, now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


async def send_digest(owner: int, email: str, now: datetime) -> Outcome:
    preferences = await reminder_preferences(owner)
    if not preferences.digest_on:
        return "off"
    if not preferences.verified(email):
        logger.info("digest skipped: address not verified", extra={"owner": owner})
        return "unverified"
    day = local_day(now, preferences)
    if day is None:
        return "not yet"
    async with locks.held(f"digest-{owner}-{day}", LOCK_SECONDS) as mine:
        if not mine:
            return "locked"
        return await _send_once(owner, email, day, preferences)


async def _send_once(owner: int, email: str, day: str, preferences: ReminderPreferences) -> Outcome:
    item = await state.get_item(STATE_STORE, digest_key(owner))
    record, etag = (item.value, item.etag) if item else (None, None)
    if record and record.get("day") == day:
        return "already sent"
    items = await _items(owner, day, preferences)
    if not items:
        return "empty"
    try:
        await state.save_item(STATE_STORE, digest_key(owner), {"day": day}, etag)
    except DaprConflict:
        return "lost race"
    try:
        await smtp.send(digest_email(email, day, items, preferences.zone))
    except smtp.MailInDoubt as error:
        # It may still go out: the day stays claimed, so the next tick sends no second one.
        logger.warning("digest unconfirmed", extra={"owner": owner, "reason": str(error)})
        return "unconfirmed"
    except smtp.MailNotSent as error:
        logger.warning("digest not sent", extra={"owner": owner, "reason": str(error)})
        claimed = await state.get_item(STATE_STORE, digest_key(owner))
        await state.save_item(  # the next tick retries
            STATE_STORE,
            digest_key(owner),
            record or {"day": None},
            claimed.etag if claimed else None,
        )
        return "failed"
    logger.info("digest sent", extra={"owner": owner, "day": day, "tasks": len(items)})
    return "sent"


async def _items(owner: int, day: str, preferences: ReminderPreferences) -> list[DigestItem]:
    """Open tasks due by the end of the user's `day` (overdue ones included)."""
    end = datetime.combine(
        datetime.fromisoformat(day).date() + timedelta(days=1), time(0), preferences.zone
    )
    return [
        DigestItem(entry["task_id"], entry["title"], entry["due"])
        for entry in await reminder_index.entries(owner)
        if entry.get("due") and datetime.fromisoformat(entry["due"]) < end
    ]
