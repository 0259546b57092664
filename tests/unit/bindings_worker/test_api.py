from __future__ import annotations

import pytest
from django.test import Client

from bindings_worker.api import BadRequest, owner_id
from common.dapr import actors
from common.dapr.errors import DaprUnavailable

pytestmark = pytest.mark.urls("bindings_worker.urls")

FROM_WEBAPP = {"HTTP_DAPR_CALLER_APP_ID": "webapp"}


@pytest.mark.parametrize("raw", [None, "x", 0, -1, True, 1.5, "1e3"])
def test_owner_must_be_a_positive_user_id(raw: object) -> None:
    with pytest.raises(BadRequest):
        owner_id(raw)


def test_owner_id_accepts_query_strings() -> None:
    assert owner_id("42") == 42


def test_only_webapp_may_call() -> None:
    response = Client().get("/api/reminders?owner=1", HTTP_DAPR_CALLER_APP_ID="sync-worker")
    assert response.status_code == 403
    assert "sync-worker" in response.json()["error"]


def test_bad_body_is_a_400_with_a_message() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/test-email", data=b"[1]", content_type="application/json", **FROM_WEBAPP
    )
    assert response.status_code == 400
    assert "owner" in response.json()["error"]


def test_app_token_is_checked_when_set(settings: object) -> None:
    settings.APP_API_TOKEN = "s3cret"  # type: ignore[attr-defined]
    response = Client().get("/api/reminders?owner=1", **FROM_WEBAPP)
    assert response.status_code == 401


def test_preferences_changed_reschedules_each_listed_task(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str, str]] = []

    async def call(actor_type: str, actor_id: str, method: str, body: object = None) -> object:
        calls.append((actor_type, actor_id, method))
        return [{"task_id": "a"}, {"task_id": "b"}] if method == "list" else {}

    monkeypatch.setattr(actors, "call", call)
    response = Client().post(
        "/api/preferences-changed",
        data={"owner": 5},
        content_type="application/json",
        **FROM_WEBAPP,
    )
    assert response.json() == {"owner": 5, "rescheduled": 2}
    assert calls[0] == ("OwnerReminders", "5", "list")
    assert sorted(calls[1:]) == [
        ("TaskReminder", "a", "reschedule"),
        ("TaskReminder", "b", "reschedule"),
    ]


def test_preferences_changed_without_actors_is_a_503(monkeypatch: pytest.MonkeyPatch) -> None:
    async def call(*args: object, **kwargs: object) -> object:
        raise DaprUnavailable("placement down")

    monkeypatch.setattr(actors, "call", call)
    response = Client().post(
        "/api/preferences-changed",
        data={"owner": 5},
        content_type="application/json",
        **FROM_WEBAPP,
    )
    assert response.status_code == 503
    assert "placement down" in response.json()["error"]


def test_preferences_changed_needs_an_owner() -> None:
    response = Client().post(
        "/api/preferences-changed", data={}, content_type="application/json", **FROM_WEBAPP
    )
    assert response.status_code == 400
