"""Per-user preferences in the Dapr state store, written with ETag concurrency."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from common import backends
from common.dapr_names import STATE_STORE
from common.task_events import known_time_zones


@dataclass(frozen=True)
class Preferences:
    time_zone: str = "UTC"
    reminder_lead_minutes: int = 0
    reminder_emails: bool = True
    daily_digest: bool = True
    digest_time: str = "08:00"
    # The address the user proved theirs by the signed link (webapp/preferences/
    # verification.py); reminders and digests go only to it, so a changed address is unverified.
    verified_email: str = ""

    def verified(self, email: str) -> bool:
        return bool(email) and self.verified_email == email

    @classmethod
    def from_state(cls, value: dict[str, Any]) -> Preferences:
        known = {k: v for k, v in value.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def preferences_key(owner: int) -> str:
    return f"preferences-{owner}"


async def load_preferences(owner: int) -> tuple[Preferences, str | None]:
    """The user's preferences (defaults when never saved) and the ETag to write them back."""
    item = await backends.state().get_item(STATE_STORE, preferences_key(owner))
    if item is None:
        return Preferences(), None
    return Preferences.from_state(item.value), item.etag


async def save_preferences(owner: int, preferences: Preferences, etag: str | None) -> None:
    """First-write save; raises DaprConflict when another tab saved in between."""
    await backends.state().save_item(STATE_STORE, preferences_key(owner), asdict(preferences), etag)


async def mark_verified(owner: int, email: str) -> None:
    """Records `email` as `owner`'s verified address; raises DaprConflict on a lost race."""
    current, etag = await load_preferences(owner)
    await save_preferences(owner, replace(current, verified_email=email), etag)


def valid_time_zone(name: str) -> str:
    return name if name in known_time_zones() else "UTC"


async def set_time_zone(owner: int, time_zone: str) -> None:
    current, etag = await load_preferences(owner)
    await save_preferences(owner, replace(current, time_zone=valid_time_zone(time_zone)), etag)
