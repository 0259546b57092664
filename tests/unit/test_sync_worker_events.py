"""The subscription endpoints answer Dapr in its own terms: SUCCESS, DROP; never a 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

pytestmark = pytest.mark.urls("sync_worker.urls")

EVENT = {
    "id": "e-1",
    "source": "webapp",
    "type": "task.created",
    "specversion": "1.0",
    "topic": "task-events",
    "data": {"task": {"id": "t-1"}},
}


@pytest.fixture
def sidecar_client() -> Client:
    # The sidecar sends no CSRF token: the endpoint must not need one.
    return Client(enforce_csrf_checks=True)


def test_task_event_acknowledges_a_cloudevent(sidecar_client: Client) -> None:
    response = sidecar_client.post(
        "/events/task-events", json.dumps(EVENT), content_type="application/cloudevents+json"
    )
    assert response.status_code == 200
    assert response.json() == {"status": "SUCCESS"}


@pytest.mark.parametrize("body", ["{oops", "[]", json.dumps({**EVENT, "id": ""})])
def test_task_event_drops_malformed_to_dead_letter(sidecar_client: Client, body: str) -> None:
    response = sidecar_client.post("/events/task-events", body, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"status": "DROP"}


def test_dead_letter_is_acknowledged_and_logged(
    sidecar_client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    response = sidecar_client.post("/events/task-events-dead", "poison", content_type="text/plain")
    assert response.json() == {"status": "SUCCESS"}
    assert any(
        r.message == "dead-lettered task event" and r.body == "poison" for r in caplog.records
    )


def test_app_api_token_is_required_when_configured(
    sidecar_client: Client, settings: Settings
) -> None:
    settings.APP_API_TOKEN = "app-token"
    payload = json.dumps(EVENT)
    denied = sidecar_client.post("/events/task-events", payload, content_type="application/json")
    wrong = sidecar_client.post(
        "/events/task-events", payload, content_type="application/json",
        headers={"dapr-api-token": "guess"},
    )  # fmt: skip
    allowed = sidecar_client.post(
        "/events/task-events", payload, content_type="application/json",
        headers={"dapr-api-token": "app-token"},
    )  # fmt: skip
    assert (denied.status_code, wrong.status_code, allowed.status_code) == (401, 401, 200)
    assert denied.json() == {"error": "missing or wrong dapr-api-token"}


def test_task_event_rejects_get(sidecar_client: Client) -> None:
    assert sidecar_client.get("/events/task-events").status_code == 405
