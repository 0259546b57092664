from __future__ import annotations

import logging
from datetime import time
from typing import Any

import httpx
import pytest
from asgiref.sync import async_to_sync

from bindings_worker import preferences
from bindings_worker.preferences import (
    ReminderPreferences,
    UnreadablePreferences,
    parse_preferences,
    reminder_preferences,
)
from common.dapr.errors import DaprUnavailable

STORED = {
    "time_zone": "America/New_York",
    "reminder_lead_minutes": 15,
    "reminder_emails": False,
    "daily_digest": True,
    "digest_time": "07:30",
}


def answering(monkeypatch: pytest.MonkeyPatch, answer: httpx.Response | Exception) -> list[Any]:
    calls: list[Any] = []

    async def invoke(app_id: str, path: str, **kwargs: Any) -> httpx.Response:
        calls.append((app_id, path, kwargs.get("params")))
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(preferences, "invoke", invoke)
    return calls


def test_parse_reads_webapp_s_preferences() -> None:
    assert parse_preferences(STORED) == ReminderPreferences(
        lead_minutes=15,
        time_zone="America/New_York",
        reminders_on=False,
        digest_on=True,
        digest_at=time(7, 30),
    )


@pytest.mark.parametrize(
    "change",
    [
        {"time_zone": "Mars/Olympus"},
        {"reminder_lead_minutes": "15"},
        {"reminder_lead_minutes": -5},
        {"reminder_emails": "yes"},
        {"digest_time": "25:00"},
        {"daily_digest": None},
    ],
)
def test_parse_refuses_what_it_cannot_use(change: dict[str, Any]) -> None:
    with pytest.raises(UnreadablePreferences):
        parse_preferences({**STORED, **change})


def test_reminder_preferences_are_asked_of_webapp(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = answering(monkeypatch, httpx.Response(200, json={"owner": 3, "preferences": STORED}))
    found = async_to_sync(reminder_preferences)(3)
    assert (found.lead_minutes, found.time_zone) == (15, "America/New_York")
    assert calls == [("webapp", "internal/preferences", {"owner": 3})]


def test_never_saved_preferences_are_the_defaults(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.DIGEST_DEFAULT_TIME = "06:15"
    answering(monkeypatch, httpx.Response(200, json={"owner": 3, "preferences": None}))
    assert async_to_sync(reminder_preferences)(3) == ReminderPreferences(digest_at=time(6, 15))


@pytest.mark.parametrize(
    "answer",
    [
        DaprUnavailable("no sidecar"),
        httpx.Response(500, text="ERR_DIRECT_INVOKE"),
        httpx.Response(200, text="not json"),
        httpx.Response(200, json={"preferences": {"time_zone": "UTC"}}),
    ],
)
def test_webapp_unreachable_falls_back_to_defaults_with_a_warning(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    settings: Any,
    answer: httpx.Response | Exception,
) -> None:
    settings.DIGEST_DEFAULT_TIME = "08:00"
    answering(monkeypatch, answer)
    with caplog.at_level(logging.WARNING, logger="bindings_worker.preferences"):
        assert async_to_sync(reminder_preferences)(3) == ReminderPreferences(unknown=True)
    assert "using the defaults" in caplog.text
