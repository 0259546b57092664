"""Task events reach the reminder actors in bulk, only when there can be a reminder to manage,
each entry answered on its own."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from common.dapr import actors
from common.dapr.errors import DaprUnavailable
from tests.task_event_factory import bulk_delivery, make_event

pytestmark = pytest.mark.urls("bindings_worker.urls")


def cloudevent(event_data: dict[str, Any], event_id: str = "e-1") -> dict[str, Any]:
    return {"id": event_id, "source": "webapp", "type": event_data["type"], "specversion": "1.0",
            "topic": "task-events", "data": event_data}  # fmt: skip


def post_bulk(*events: Any) -> Any:
    body = json.dumps(bulk_delivery(*events))
    return Client().post("/events/task-events", body, content_type="application/json")


def statuses(response: Any) -> dict[str, str]:
    assert response.status_code == 200, response.content
    return {item["entryId"]: item["status"] for item in response.json()["statuses"]}


@pytest.fixture
def actor_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    calls: list[tuple[str, str, str]] = []

    async def call(actor_type: str, actor_id: str, method: str, data: Any) -> str:
        calls.append((actor_type, actor_id, method))
        return "ok"

    monkeypatch.setattr(actors, "call", call)
    return calls


def test_new_task_without_due_date_skips_the_actor(actor_calls: list) -> None:
    response = post_bulk(cloudevent(make_event(due=None).to_data()))
    assert statuses(response) == {"entry-0": "SUCCESS"}
    assert actor_calls == []


def test_new_task_with_due_date_goes_to_its_actor(actor_calls: list) -> None:
    event = make_event(due="2030-01-01T09:00:00+00:00")
    assert statuses(post_bulk(cloudevent(event.to_data()))) == {"entry-0": "SUCCESS"}
    assert [(c[1], c[2]) for c in actor_calls] == [(event.task.id, "apply_event")]


def test_update_without_due_date_still_reaches_the_actor(actor_calls: list) -> None:
    # It may remove a due date the actor holds a reminder for.
    event = make_event(event_type="task.updated", due=None)
    assert statuses(post_bulk(cloudevent(event.to_data()))) == {"entry-0": "SUCCESS"}
    assert len(actor_calls) == 1


def test_every_entry_of_a_bulk_is_applied_and_answered(actor_calls: list) -> None:
    events = [make_event(event_type="task.updated", id=f"t-{n}") for n in range(5)]
    response = post_bulk(*(cloudevent(e.to_data(), f"e-{n}") for n, e in enumerate(events)))
    assert statuses(response) == {f"entry-{n}": "SUCCESS" for n in range(5)}
    assert sorted(c[1] for c in actor_calls) == [f"t-{n}" for n in range(5)]


def test_a_malformed_entry_is_dropped_alone(actor_calls: list) -> None:
    good = cloudevent(make_event(event_type="task.updated").to_data())
    no_owner = cloudevent({"type": "task.updated", "task": {}})
    not_a_cloudevent = {"hello": "world"}
    answered = statuses(post_bulk(good, no_owner, not_a_cloudevent))
    assert answered == {"entry-0": "SUCCESS", "entry-1": "DROP", "entry-2": "DROP"}
    assert len(actor_calls) == 1


def test_an_entry_whose_actor_fails_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    async def failing(*_args: Any) -> str:
        raise DaprUnavailable("placement unavailable")

    monkeypatch.setattr(actors, "call", failing)
    event = make_event(event_type="task.deleted")
    assert statuses(post_bulk(cloudevent(event.to_data()))) == {"entry-0": "RETRY"}


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"entries": 3}', b'{"entries": [{}]}'])
def test_a_body_that_is_no_bulk_is_a_400_with_a_message(body: bytes) -> None:
    response = Client().post("/events/task-events", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]
