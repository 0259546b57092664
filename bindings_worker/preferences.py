"""A user's reminder and digest preferences, as the bindings worker reads them.

Until preferences are stored (webapp, Dapr state), every user gets the defaults; the
default digest time is the DIGEST_DEFAULT_TIME setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo

from django.conf import settings


@dataclass(frozen=True)
class ReminderPreferences:
    lead_minutes: int = 0
    time_zone: str = "UTC"
    reminders_on: bool = True
    digest_on: bool = True
    digest_at: time = time(8, 0)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


async def reminder_preferences(owner: int) -> ReminderPreferences:
    """The preferences of user `owner` (the defaults for now)."""
    return ReminderPreferences(digest_at=time.fromisoformat(settings.DIGEST_DEFAULT_TIME))
