"""A user's reminder and digest preferences, as the bindings worker reads them.

webapp owns preferences (Dapr state); they are asked of it by service invocation
(GET internal/preferences). A user who never saved any gets the defaults (digest at the
DIGEST_DEFAULT_TIME setting); so does everyone while webapp is unreachable, so that a
reminder still goes out, at worst without its lead time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from common.dapr.errors import DaprError
from common.dapr.invoke import invoke
from common.dapr_names import WEBAPP_APP_ID
from common.task_events import known_time_zones

logger = logging.getLogger(__name__)

PREFERENCES_PATH = "internal/preferences"
# Asked inside an actor's turn: a hung webapp must not hold the turn for long.
TIMEOUT_SECONDS = 5.0


class UnreadablePreferences(ValueError):
    """webapp's answer is not preferences this module understands."""


@dataclass(frozen=True)
class ReminderPreferences:
    lead_minutes: int = 0
    time_zone: str = "UTC"
    reminders_on: bool = True
    digest_on: bool = True
    digest_at: time = time(8, 0)
    # The address the user proved theirs (webapp's signed link); mail goes only there.
    verified_email: str = ""
    # True when webapp could not say (the defaults stand in): the address may be verified.
    unknown: bool = False

    def verified(self, email: str) -> bool:
        return bool(email) and self.verified_email == email

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


def default_preferences() -> ReminderPreferences:
    return ReminderPreferences(digest_at=time.fromisoformat(settings.DIGEST_DEFAULT_TIME))


def parse_preferences(raw: Any) -> ReminderPreferences:
    """webapp's stored preferences (webapp.preferences.store.Preferences as a dict)."""
    try:
        lead, zone = raw["reminder_lead_minutes"], raw["time_zone"]
        reminders_on, digest_on = raw["reminder_emails"], raw["daily_digest"]
        digest_at = time.fromisoformat(raw["digest_time"])
        verified_email = raw.get("verified_email", "")
    except (KeyError, TypeError, ValueError) as error:
        raise UnreadablePreferences(f"{type(error).__name__}: {error}") from None
    if not isinstance(lead, int) or isinstance(lead, bool) or lead < 0:
        raise UnreadablePreferences(f"lead time {lead!r} is not a number of minutes")
    if zone not in known_time_zones():
        raise UnreadablePreferences(f"unknown time zone {zone!r}")
    if not isinstance(reminders_on, bool) or not isinstance(digest_on, bool):
        raise UnreadablePreferences("reminder_emails and daily_digest must be booleans")
    if not isinstance(verified_email, str):
        raise UnreadablePreferences("verified_email must be a string")
    return ReminderPreferences(lead, zone, reminders_on, digest_on, digest_at, verified_email)


async def reminder_preferences(owner: int) -> ReminderPreferences:
    """The preferences of user `owner`; the defaults when webapp cannot say."""
    try:
        response = await invoke(
            WEBAPP_APP_ID, PREFERENCES_PATH, params={"owner": owner}, timeout=TIMEOUT_SECONDS
        )
        if not response.is_success:
            raise UnreadablePreferences(f"webapp answered {response.status_code}")
        stored = response.json()["preferences"]
        return default_preferences() if stored is None else parse_preferences(stored)
    except (
        DaprError,
        ValueError,
        KeyError,
        TypeError,
    ) as error:  # UnreadablePreferences is a ValueError
        logger.warning(
            "preferences unavailable; using the defaults",
            extra={"owner": owner, "reason": str(error)},
        )
        return replace(default_preferences(), unknown=True)
