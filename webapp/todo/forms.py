"""Validation of what users send; errors become 4xx answers with a message."""

from __future__ import annotations

import re
import uuid
import zoneinfo
from datetime import UTC
from typing import Any

from django import forms
from django.utils import timezone

from common.task_events import NOTES_MAX_LENGTH, PRIORITIES, TITLE_MAX_LENGTH

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{8,100}$")

# The JSON type of each field a task request reads (a form post's fields are all text, which
# the form fields convert; they would also turn a number or a list into its text).
JSON_FIELD_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "title": ((str,), "a string"),
    "notes": ((str,), "a string"),
    "due": ((str, type(None)), "a string or null"),
    "priority": ((str,), "a string"),
    "idempotency_key": ((str,), "a string"),
    "direction": ((str,), "a string"),
    "version": ((int, str), "an integer"),
}


class BadRequest(ValueError):
    """A request the server cannot act on; the message says why (answered with 400)."""


class TaskForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX_LENGTH, strip=True)
    notes = forms.CharField(max_length=NOTES_MAX_LENGTH, required=False, strip=True)
    due = forms.DateTimeField(
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": "Enter the due date and time as YYYY-MM-DDTHH:MM."},
    )
    priority = forms.ChoiceField(
        choices=[(p, p.capitalize()) for p in PRIORITIES], initial="normal", required=False
    )

    def __init__(self, *args: Any, time_zone: str = "UTC", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.time_zone = zoneinfo.ZoneInfo(time_zone)

    def clean_due(self) -> str | None:
        due = self.cleaned_data.get("due")
        if due is None:
            return None
        # The browser sends local wall time; it is the user's time zone, stored as UTC.
        local = timezone.make_aware(due.replace(tzinfo=None), self.time_zone)
        return local.astimezone(UTC).isoformat(timespec="seconds")

    def clean_priority(self) -> str:
        return self.cleaned_data.get("priority") or "normal"

    def task_fields(self) -> dict[str, Any]:
        return {key: self.cleaned_data[key] for key in ("title", "notes", "due", "priority")}


def check_json_types(data: dict[str, Any]) -> dict[str, Any]:
    """`data` (a JSON object) when each field it has is of its type; BadRequest naming the
    first that is not. Fields no task request reads are ignored, as in a form post."""
    for name, value in data.items():
        if name not in JSON_FIELD_TYPES:
            continue
        types, described = JSON_FIELD_TYPES[name]
        if isinstance(value, bool) or not isinstance(value, types):
            raise BadRequest(f"{name} must be {described}, not {json_type(value)}.")
    return data


def json_type(value: Any) -> str:
    """The JSON name of `value`'s type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    names: dict[type, str] = {str: "a string", list: "an array", dict: "an object"}
    return names.get(type(value), "unknown")


def idempotency_key(data: Any, headers: Any) -> str:
    """The client's idempotency key (form field or Idempotency-Key header), or a fresh one."""
    key = data.get("idempotency_key") or headers.get("Idempotency-Key") or ""
    if not key:
        return uuid.uuid4().hex
    if not IDEMPOTENCY_KEY.match(key):
        raise BadRequest("idempotency_key must be 8-100 letters, digits, '-' or '_'.")
    return key


def expected_version(data: Any) -> int:
    """The task version (its ETag) the client read; required for every change of a task."""
    raw = data.get("version", "")
    try:
        version = int(raw)
    except (TypeError, ValueError):
        raise BadRequest("version (the task's ETag you read) is required.") from None
    if version < 1:
        raise BadRequest("version must be a positive integer.")
    return version


def direction(data: Any) -> str:
    value = data.get("direction", "")
    if value not in ("up", "down"):
        raise BadRequest("direction must be 'up' or 'down'.")
    return str(value)
