"""The settings form: the user's preferences, validated."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, cast

from django import forms

from common.task_events import known_time_zones
from webapp.preferences.store import Preferences

LEAD_TIMES = [(0, "At the due time"), (5, "5 minutes before"), (15, "15 minutes before"),
              (30, "30 minutes before"), (60, "1 hour before"), (180, "3 hours before"),
              (1440, "1 day before")]  # fmt: skip

# The state store's ETags are versions, decimal integers (state.redis); the sidecar refuses any
# other with 400, which the page would otherwise show as a storage outage.
ETAG = re.compile(r"[0-9]{1,18}")
MALFORMED_ETAG = (
    "The form's version (etag) is malformed, so nothing was saved; reload the page and try again."
)


class MalformedETag(ValueError):
    """The hidden etag field is not one the store could have issued (answered with 400)."""


def sent_etag(data: Any) -> str | None:
    """The ETag the form was read with (None for preferences never saved); MalformedETag."""
    raw = data.get("etag", "")
    if not raw:
        return None
    if not isinstance(raw, str) or not ETAG.fullmatch(raw):
        raise MalformedETag(MALFORMED_ETAG)
    return raw


class PreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(label="Time zone")
    reminder_lead_minutes = forms.TypedChoiceField(
        label="Remind me", choices=LEAD_TIMES, coerce=int
    )
    reminder_emails = forms.BooleanField(label="E-mail reminders", required=False)
    daily_digest = forms.BooleanField(label="Daily digest e-mail", required=False)
    digest_time = forms.TimeField(label="Digest time (local)", input_formats=["%H:%M"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        time_zone = cast(forms.ChoiceField, self.fields["time_zone"])
        time_zone.choices = [(z, z) for z in sorted(known_time_zones())]

    @classmethod
    def for_preferences(cls, preferences: Preferences) -> PreferencesForm:
        return cls(initial={**preferences.__dict__})

    def preferences(self, current: Preferences) -> Preferences:
        """`current` with this form's fields (the verified address is not one of them)."""
        data = self.cleaned_data
        return replace(
            current,
            time_zone=data["time_zone"],
            reminder_lead_minutes=data["reminder_lead_minutes"],
            reminder_emails=data["reminder_emails"],
            daily_digest=data["daily_digest"],
            digest_time=data["digest_time"].strftime("%H:%M"),
        )
