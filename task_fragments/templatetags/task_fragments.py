"""Template helpers for task fragments and pages: idempotency keys, local times, form paths."""

from __future__ import annotations

import uuid
from datetime import datetime

from django import template
from django.templatetags.tz import do_timezone

from task_fragments.paths import task_action_path

register = template.Library()


@register.simple_tag
def idempotency_key() -> str:
    """A fresh key per rendered form: resubmitting that form never applies twice."""
    return uuid.uuid4().hex


@register.filter
def local_time(iso_utc: str | None, time_zone: str) -> datetime | None:
    """An ISO UTC timestamp as an aware datetime in the user's time zone.

    Marked (as Django's `timezone` filter marks it) so that `date` and friends format it
    as is, instead of converting it back to the server's TIME_ZONE.
    """
    if not iso_utc:
        return None
    return do_timezone(datetime.fromisoformat(iso_utc), time_zone or "UTC")


@register.simple_tag
def task_action(action: str, task_id: str) -> str:
    """The path `action` on a task posts to, the same in webapp and in sync_worker."""
    return task_action_path(action, task_id)
