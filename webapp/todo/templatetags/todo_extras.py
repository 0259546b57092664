"""Template helpers for task pages: idempotency keys and local times."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import datetime

from django import template

register = template.Library()


@register.simple_tag
def idempotency_key() -> str:
    """A fresh key per rendered form: resubmitting that form never applies twice."""
    return uuid.uuid4().hex


@register.filter
def local_time(iso_utc: str | None, time_zone: str) -> datetime | None:
    """An ISO UTC timestamp as an aware datetime in the user's time zone."""
    if not iso_utc:
        return None
    return datetime.fromisoformat(iso_utc).astimezone(zoneinfo.ZoneInfo(time_zone or "UTC"))
