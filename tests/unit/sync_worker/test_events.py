"""The subscription endpoints answer Dapr in its own terms: SUCCESS, DROP, RETRY; never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import Client
from pytest_django.fixtures import Settings

from common.dapr import state
from common.dapr.errors import DaprUnavailable
from common.dapr_names import STATE_STORE
from sync_worker.dead_letters import DEAD_LETTERS_KEY
from sync_worker.sequencer import log_key
from tests.task_event_factory import bulk_delivery, make_event
from tests.unit.fake_state import FakeStateStore, logged_events

pytestmark = pytest.mark.urls("sync_worker.urls")

# Where each change arrives first (task-events-live), one event per request.
LIVE = "/events/task-events-live"
# Where the outbox's copy arrives (task-events), in bulk.
DURABLE = "/events/task-events"


def cloudevent(data: Any, event_id: str = "e-1") -> dict[str, Any]:
    return {
        "id": event_id,
        "source": "webapp",
        "type": "task.created",
        "specversion": "1.0",
        "topic": "task-events",
        "data": data,
    }


@pytest.fixture
def store(sync_worker_store: FakeStateStore) -> FakeStateStore:
    return sync_worker_store


@pytest.fixture
def state_down(store: FakeStateStore, monkeypatch: pytest.MonkeyPatch) -> None:
    async def unavailable(*args: object) -> None:
        raise DaprUnavailable("sidecar down")

    monkeypatch.setattr(state, "get_item", unavailable)


@pytest.fixture
def sidecar_client() -> Client:
    # The sidecar sends no CSRF token: the endpoint must not need one.
    return Client(enforce_csrf_checks=True)


def post_event(client: Client, body: dict[str, Any] | str) -> Any:
    payload = body if isinstance(body, str) else json.dumps(body)
    return client.post(LIVE, payload, content_type="application/cloudevents+json")


def test_task_event_logs_and_pushes_a_valid_event(
    sidecar_client: Client, store: FakeStateStore
) -> None:
    event = make_event(owner=5, title="Water plants")
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("user.5", channel)
    response = post_event(sidecar_client, cloudevent(event.to_data()))
    assert response.json() == {"status": "SUCCESS"}
    pushed = async_to_sync(layer.receive)(channel)
    assert (pushed["type"], pushed["seq"]) == ("sync.event", 1)
    assert f'id="task-{event.task.id}"' in pushed["html"]
    assert "Water plants" in pushed["html"]
    # The fragment's forms post to webapp, though sync_worker renders it.
    assert f'action="/tasks/{event.task.id}/complete"' in pushed["html"]
    assert store.value(STATE_STORE, log_key(5))["seq"] == 1


def test_task_event_is_logged_as_its_data(sidecar_client: Client, store: FakeStateStore) -> None:
    event = make_event(owner=5)
    post_event(sidecar_client, cloudevent(event.to_data()))
    [logged] = logged_events(store, 5)
    assert logged == {"seq": 1, "dedupe_key": event.dedupe_key, "data": event.to_data()}


def test_task_event_duplicate_gets_no_new_seq(
    sidecar_client: Client, store: FakeStateStore
) -> None:
    data = make_event(owner=5).to_data()
    first = post_event(sidecar_client, cloudevent(data, "outbox-id"))
    second = post_event(sidecar_client, cloudevent(data, "direct-id"))
    assert (first.json(), second.json()) == ({"status": "SUCCESS"}, {"status": "SUCCESS"})
    assert store.value(STATE_STORE, log_key(5))["seq"] == 1


@pytest.mark.parametrize(
    "body",
    [
        "{oops",
        "[]",
        json.dumps({**cloudevent({}), "id": ""}),
        json.dumps(cloudevent({"task": {"id": "t-1"}})),
        json.dumps(cloudevent({**make_event().to_data(), "owner": "5"})),
    ],
)
def test_task_event_drops_malformed_to_dead_letter(
    sidecar_client: Client, store: FakeStateStore, body: str
) -> None:
    assert post_event(sidecar_client, body).json() == {"status": "DROP"}
    assert store.saves == 0


@pytest.mark.usefixtures("state_down")
def test_task_event_asks_for_redelivery_when_state_is_down(sidecar_client: Client) -> None:
    response = post_event(sidecar_client, cloudevent(make_event().to_data()))
    assert response.json() == {"status": "RETRY"}


def post_bulk(client: Client, *events: Any) -> dict[str, str]:
    response = client.post(DURABLE, json.dumps(bulk_delivery(*events)), "application/json")
    assert response.status_code == 200, response.content
    return {item["entryId"]: item["status"] for item in response.json()["statuses"]}


def test_outbox_bulk_logs_what_the_live_copy_missed_and_skips_what_it_did_not(
    sidecar_client: Client, store: FakeStateStore
) -> None:
    seen_live, missed_live = make_event(owner=6), make_event(owner=6)
    post_event(sidecar_client, cloudevent(seen_live.to_data()))
    answered = post_bulk(
        sidecar_client,
        cloudevent(seen_live.to_data(), "outbox-1"),
        cloudevent(missed_live.to_data(), "outbox-2"),
    )
    assert answered == {"entry-0": "SUCCESS", "entry-1": "SUCCESS"}
    logged = logged_events(store, 6)
    assert [e["dedupe_key"] for e in logged] == [seen_live.dedupe_key, missed_live.dedupe_key]


def test_outbox_bulk_drops_a_malformed_entry_alone(
    sidecar_client: Client, store: FakeStateStore
) -> None:
    good = cloudevent(make_event(owner=7).to_data())
    answered = post_bulk(sidecar_client, good, cloudevent({"task": {"id": "t-1"}}), {"x": 1})
    assert answered == {"entry-0": "SUCCESS", "entry-1": "DROP", "entry-2": "DROP"}
    assert store.value(STATE_STORE, log_key(7))["seq"] == 1


@pytest.mark.usefixtures("state_down")
def test_outbox_bulk_asks_for_redelivery_of_what_it_could_not_log(
    sidecar_client: Client,
) -> None:
    answered = post_bulk(sidecar_client, cloudevent(make_event().to_data()))
    assert answered == {"entry-0": "RETRY"}


def test_outbox_bulk_that_is_no_bulk_is_a_400(sidecar_client: Client) -> None:
    response = sidecar_client.post(DURABLE, "{}", content_type="application/json")
    assert response.status_code == 400
    assert "entries" in response.json()["error"]


def test_dead_letter_is_recorded_logged_and_acknowledged(
    sidecar_client: Client, store: FakeStateStore, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps(cloudevent({"task": {"id": "t-1"}}, "poison-1"))
    response = sidecar_client.post("/events/task-events-dead", body, content_type="text/plain")
    assert response.json() == {"status": "SUCCESS"}
    [entry] = store.value(STATE_STORE, DEAD_LETTERS_KEY)
    assert (entry["event_id"], entry["reason"]) == ("poison-1", "unknown task event type None")
    assert any(
        r.message == "dead-lettered task event" and r.levelname == "ERROR" for r in caplog.records
    )


def test_dead_letter_records_a_body_that_is_not_json(
    sidecar_client: Client, store: FakeStateStore
) -> None:
    sidecar_client.post("/events/task-events-dead", "poison", content_type="text/plain")
    [entry] = as_webapp(sidecar_client).json()["dead_letters"]
    assert (entry["body"], entry["event_id"]) == ("poison", None)
    assert entry["reason"].startswith("body is not JSON")


def test_dead_letters_keep_the_newest(sidecar_client: Client, store: FakeStateStore) -> None:
    store.put(STATE_STORE, DEAD_LETTERS_KEY, [{"body": str(n)} for n in range(100)])
    sidecar_client.post("/events/task-events-dead", "newest", content_type="text/plain")
    entries = store.value(STATE_STORE, DEAD_LETTERS_KEY)
    assert (len(entries), entries[0]["body"], entries[-1]["body"]) == (100, "1", "newest")


@pytest.mark.usefixtures("state_down")
def test_dead_letter_asks_for_redelivery_when_state_is_down(sidecar_client: Client) -> None:
    response = sidecar_client.post("/events/task-events-dead", "x", content_type="text/plain")
    assert response.json() == {"status": "RETRY"}


def as_webapp(client: Client) -> Any:
    """GET /ops/dead-letters as Dapr delivers webapp's service invocation."""
    return client.get("/ops/dead-letters", headers={"dapr-caller-app-id": "webapp"})


def test_ops_dead_letters_is_empty_at_first(sidecar_client: Client, store: FakeStateStore) -> None:
    assert as_webapp(sidecar_client).json() == {"dead_letters": []}


@pytest.mark.usefixtures("store")
@pytest.mark.parametrize("caller", [None, "bindings-worker"])
def test_ops_dead_letters_is_only_for_webapp(sidecar_client: Client, caller: str | None) -> None:
    headers = {"dapr-caller-app-id": caller} if caller else {}
    assert sidecar_client.get("/ops/dead-letters", headers=headers).status_code == 403


def test_app_api_token_is_required_when_configured(
    sidecar_client: Client, settings: Settings, store: FakeStateStore
) -> None:
    settings.APP_API_TOKEN = "app-token"
    payload = json.dumps(cloudevent(make_event().to_data()))
    denied = sidecar_client.post(LIVE, payload, content_type="application/json")
    wrong = sidecar_client.post(
        LIVE, payload, content_type="application/json",
        headers={"dapr-api-token": "guess"},
    )  # fmt: skip
    allowed = sidecar_client.post(
        LIVE, payload, content_type="application/json",
        headers={"dapr-api-token": "app-token"},
    )  # fmt: skip
    assert (denied.status_code, wrong.status_code, allowed.status_code) == (401, 401, 200)
    assert denied.json() == {"error": "missing or wrong dapr-api-token"}


def test_task_event_rejects_get(sidecar_client: Client) -> None:
    assert sidecar_client.get(LIVE).status_code == 405
