"""Task events reach the reminder actors only when there can be a reminder to manage."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from bindings_worker import actors
from tests.task_event_factory import make_event

pytestmark = pytest.mark.urls("bindings_worker.urls")


def post(event_data: dict[str, Any]) -> Any:
    body = {"id": "e-1", "source": "webapp", "type": event_data["type"], "specversion": "1.0",
            "topic": "task-events", "data": event_data}  # fmt: skip
    return Client().post("/events/task-events", json.dumps(body), content_type="application/json")


@pytest.fixture
def actor_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    calls: list[tuple[str, str, str]] = []

    async def call(actor_type: str, actor_id: str, method: str, data: Any) -> str:
        calls.append((actor_type, actor_id, method))
        return "ok"

    monkeypatch.setattr(actors, "call", call)
    return calls


def test_new_task_without_due_date_skips_the_actor(actor_calls: list) -> None:
    response = post(make_event(due=None).to_data())
    assert response.json() == {"status": "SUCCESS"}
    assert actor_calls == []


def test_new_task_with_due_date_goes_to_its_actor(actor_calls: list) -> None:
    event = make_event(due="2030-01-01T09:00:00+00:00")
    assert post(event.to_data()).json() == {"status": "SUCCESS"}
    assert [(c[1], c[2]) for c in actor_calls] == [(event.task.id, "apply_event")]


def test_update_without_due_date_still_reaches_the_actor(actor_calls: list) -> None:
    # It may remove a due date the actor holds a reminder for.
    event = make_event(event_type="task.updated", due=None)
    assert post(event.to_data()).json() == {"status": "SUCCESS"}
    assert len(actor_calls) == 1
