"""Saving preferences tells bindings-worker (reminders) and the user's tabs, never fatally."""

from __future__ import annotations

from dataclasses import replace

import pytest
from asgiref.sync import async_to_sync

from common.dapr.errors import DaprUnavailable
from webapp.bindings_worker_client import BindingsWorkerUnavailable
from webapp.preferences import changes as preferences_changes
from webapp.preferences.changes import PreferencesSaved, affects_reminders, update_preferences
from webapp.preferences.store import Preferences

BEFORE = Preferences(time_zone="Europe/Berlin")


@pytest.fixture
def told(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []

    async def save(owner: int, preferences: Preferences, etag: str | None) -> None:
        calls.append("saved")

    async def notify(owner: int) -> int:
        calls.append("bindings-worker")
        return 1

    async def publish(owner: int) -> None:
        calls.append("tabs")

    monkeypatch.setattr(preferences_changes, "save_preferences", save)
    monkeypatch.setattr(preferences_changes, "notify_preferences_changed", notify)
    monkeypatch.setattr(preferences_changes, "publish_preferences_changed", publish)
    return calls


@pytest.mark.parametrize(
    ("change", "affects"),
    [
        ({"reminder_lead_minutes": 15}, True),
        ({"time_zone": "UTC"}, True),
        ({"reminder_emails": False}, True),
        ({"digest_time": "06:00"}, False),
        ({"daily_digest": False}, False),
    ],
)
def test_affects_reminders(change: dict[str, object], affects: bool) -> None:
    assert affects_reminders(BEFORE, replace(BEFORE, **change)) is affects  # type: ignore[arg-type]


def test_lead_time_change_tells_tabs_and_bindings_worker(told: list[str]) -> None:
    after = replace(BEFORE, reminder_lead_minutes=15)
    assert async_to_sync(update_preferences)(1, BEFORE, after, "1") == PreferencesSaved()
    assert told == ["saved", "tabs", "bindings-worker"]


def test_digest_change_tells_only_the_tabs(told: list[str]) -> None:
    async_to_sync(update_preferences)(1, BEFORE, replace(BEFORE, digest_time="06:00"), "1")
    assert told == ["saved", "tabs"]


def test_unchanged_preferences_tell_no_one(told: list[str]) -> None:
    async_to_sync(update_preferences)(1, BEFORE, BEFORE, "1")
    assert told == ["saved"]


def test_unreachable_services_do_not_fail_the_save(
    told: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unreachable(owner: int) -> int:
        raise BindingsWorkerUnavailable("no route")

    async def unpublished(owner: int) -> None:
        raise DaprUnavailable("sidecar down")

    monkeypatch.setattr(preferences_changes, "notify_preferences_changed", unreachable)
    monkeypatch.setattr(preferences_changes, "publish_preferences_changed", unpublished)
    after = replace(BEFORE, reminder_emails=False)
    saved = async_to_sync(update_preferences)(1, BEFORE, after, "1")
    assert saved == PreferencesSaved(reminders_moved=False, tabs_told=False)
    assert told == ["saved"]
