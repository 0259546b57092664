"""Saving a user's preferences, and telling the services that act on them."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass

from audit import publish as audit_publish
from audit import record as audit_record
from common.dapr.errors import DaprError
from webapp.bindings_worker_client import BindingsWorkerUnavailable, notify_preferences_changed
from webapp.preferences.events import publish_preferences_changed
from webapp.preferences.store import Preferences, save_preferences

logger = logging.getLogger(__name__)

# What the reminder actors plan with (the time zone only changes how e-mails read, but
# rescheduling is cheap and keeps bindings-worker's view in step).
REMINDER_FIELDS = ("time_zone", "reminder_lead_minutes", "reminder_emails")


@dataclass(frozen=True)
class PreferencesSaved:
    """A saved change; False when a service could not be told (logged, not fatal)."""

    reminders_moved: bool = True
    tabs_told: bool = True


def affects_reminders(before: Preferences, after: Preferences) -> bool:
    return any(getattr(before, name) != getattr(after, name) for name in REMINDER_FIELDS)


async def update_preferences(
    owner: int, before: Preferences, after: Preferences, etag: str | None
) -> PreferencesSaved:
    """Saves `after` over `before` (first-write with `etag`; raises DaprConflict),
    then has bindings-worker move pending reminders and the user's open tabs refresh.
    """
    await save_preferences(owner, after, etag)
    await audit_publish.send(audit_record.build("preferences.changed", "preferences", owner))
    if after == before:
        return PreferencesSaved()
    tabs_told = await _succeeds(publish_preferences_changed(owner), DaprError, owner)
    # A reminder re-reads the preferences when it fires, so when this fails only a longer
    # lead time (an earlier reminder) is missed until the next change of that task.
    reminders_moved = not affects_reminders(before, after) or await _succeeds(
        notify_preferences_changed(owner), BindingsWorkerUnavailable, owner
    )
    return PreferencesSaved(reminders_moved, tabs_told)


async def _succeeds(call: Awaitable[object], failure: type[Exception], owner: int) -> bool:
    """Awaits `call`; a `failure` is logged as a warning and answered False."""
    try:
        await call
    except failure:
        logger.warning(
            "preferences change not passed on",
            extra={"owner": owner, "failure": failure.__name__},
            exc_info=True,
        )
        return False
    return True
