from __future__ import annotations

import pytest
from django.test import Client

from common.dapr.errors import DaprUnavailable
from webapp import internal
from webapp.preferences.store import Preferences

pytestmark = pytest.mark.urls("webapp.urls")

FROM_BINDINGS = {"HTTP_DAPR_CALLER_APP_ID": "bindings-worker"}


@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch) -> dict[int, Preferences]:
    saved: dict[int, Preferences] = {}

    async def load(owner: int) -> tuple[Preferences, str | None]:
        return (saved[owner], "1") if owner in saved else (Preferences(), None)

    monkeypatch.setattr(internal, "load_preferences", load)
    return saved


def test_preferences_of_a_user_who_saved_some(stored: dict[int, Preferences]) -> None:
    stored[7] = Preferences(time_zone="Europe/Berlin", reminder_lead_minutes=15)
    response = Client().get("/internal/preferences?owner=7", **FROM_BINDINGS)
    assert response.status_code == 200
    body = response.json()
    assert body["owner"] == 7
    assert body["preferences"]["reminder_lead_minutes"] == 15
    assert body["preferences"]["time_zone"] == "Europe/Berlin"


def test_preferences_never_saved_are_null(stored: dict[int, Preferences]) -> None:
    response = Client().get("/internal/preferences?owner=8", **FROM_BINDINGS)
    assert response.json() == {"owner": 8, "preferences": None}


@pytest.mark.parametrize("owner", ["", "x", "0", "-1", "²"])
def test_preferences_need_a_user_id(stored: dict[int, Preferences], owner: str) -> None:
    response = Client().get(f"/internal/preferences?owner={owner}", **FROM_BINDINGS)
    assert response.status_code == 400
    assert "owner" in response.json()["error"]


def test_preferences_only_for_bindings_worker(stored: dict[int, Preferences]) -> None:
    response = Client().get("/internal/preferences?owner=7", HTTP_DAPR_CALLER_APP_ID="sync-worker")
    assert response.status_code == 403
    assert "bindings-worker" in response.json()["error"]


def test_preferences_unavailable_is_a_503(monkeypatch: pytest.MonkeyPatch) -> None:
    async def down(owner: int) -> tuple[Preferences, str | None]:
        raise DaprUnavailable("sidecar down")

    monkeypatch.setattr(internal, "load_preferences", down)
    response = Client().get("/internal/preferences?owner=7", **FROM_BINDINGS)
    assert response.status_code == 503


def test_session_user_only_for_the_sync_worker() -> None:
    response = Client().post(
        "/internal/session-user", data={}, content_type="application/json", **FROM_BINDINGS
    )
    assert response.status_code == 403
