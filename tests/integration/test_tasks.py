"""Task changes through webapp and its sidecar: ETag races, idempotency, bad input."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from common.dapr_names import STATE_STORE
from tests.conftest import RunningSystem
from tests.integration.webapp_http import WebappUser
from tests.sidecar_tokens import sidecar_headers
from webapp.sessions import state_key

pytestmark = pytest.mark.integration


@pytest.fixture
def alice(webapp_user: WebappUser) -> WebappUser:
    return webapp_user


def test_create_edit_complete_reopen_delete(alice: WebappUser) -> None:
    task = alice.create("Buy milk", due="2026-12-24T18:00", priority="high", notes="2 litres")
    assert task["due"] == "2026-12-24T17:00:00+00:00"  # Europe/Berlin → UTC
    assert (task["version"], task["completed"], task["priority"]) == (1, False, "high")

    edited = alice.post(
        f"/tasks/{task['id']}/edit", {"title": "Buy oat milk", "version": 1, "priority": "low"}
    )
    assert edited.status_code == 200
    assert edited.json()["task"]["title"] == "Buy oat milk"
    assert edited.json()["task"]["version"] == 2

    done = alice.post(f"/tasks/{task['id']}/complete", {"version": 2}).json()
    assert (done["event"], done["task"]["completed"]) == ("task.completed", True)
    reopened = alice.post(f"/tasks/{task['id']}/reopen", {"version": 3}).json()
    assert (reopened["event"], reopened["task"]["completed"]) == ("task.reopened", False)

    deleted = alice.post(f"/tasks/{task['id']}/delete", {"version": 4})
    assert deleted.json() == {"event": "task.deleted", "replayed": False, "task": None}
    assert alice.post(f"/tasks/{task['id']}/complete", {"version": 5}).status_code == 404


def test_lost_race_gets_409_and_no_update_is_lost(alice: WebappUser) -> None:
    task = alice.create("Contested")

    def edit(title: str) -> httpx.Response:
        return alice.post(f"/tasks/{task['id']}/edit", {"title": title, "version": 1})

    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(edit, ["first writer", "second writer"]))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409]
    winner = next(r for r in responses if r.status_code == 200).json()["task"]
    loser = next(r for r in responses if r.status_code == 409).json()
    assert loser["current"]["title"] == winner["title"]
    assert loser["current"]["version"] == 2
    assert "changed elsewhere" in loser["error"]


def test_concurrent_changes_to_different_tasks_all_apply(alice: WebappUser) -> None:
    tasks = [alice.create(f"task {i}") for i in range(6)]

    def complete(task: dict) -> int:
        return alice.post(f"/tasks/{task['id']}/complete", {"version": 1}).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert list(pool.map(complete, tasks)) == [200] * 6


def test_retried_request_applies_once(alice: WebappUser) -> None:
    key = uuid.uuid4().hex
    first = alice.post("/tasks/", {"title": "Once", "idempotency_key": key})
    again = alice.post("/tasks/", {"title": "Once", "idempotency_key": key})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["replayed"] is True
    assert again.json()["task"]["id"] == first.json()["task"]["id"]
    home = alice.client.get("/", headers={"Accept": "text/html"})
    assert home.text.count(">Once</span>") == 1


@pytest.mark.parametrize(
    ("path", "data", "status", "message"),
    [
        ("/tasks/", {"title": ""}, 422, "title: This field is required."),
        ("/tasks/", {"title": "x" * 201}, 422, "at most 200 characters"),
        ("/tasks/", {"title": "ok", "due": "next tuesday"}, 422, "YYYY-MM-DDTHH:MM"),
        ("/tasks/", {"title": "ok", "priority": "urgent"}, 422, "valid choice"),
        ("/tasks/", {"title": "ok", "idempotency_key": "bad key!"}, 400, "idempotency_key"),
        ("/tasks/nope/complete", {"version": 1}, 404, "No such task"),
        ("/tasks/nope/complete", {}, 400, "version"),
        ("/tasks/nope/move", {"version": 1, "direction": "sideways"}, 400, "direction"),
    ],
)
def test_bad_input_is_a_4xx_with_a_message(
    alice: WebappUser, path: str, data: dict, status: int, message: str
) -> None:
    response = alice.post(path, data)
    assert response.status_code == status
    assert message in response.json()["error"]


def test_malformed_json_is_400(alice: WebappUser) -> None:
    response = alice.post(
        "/tasks/", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {"error": "The body is not valid JSON."}


def test_json_body_is_accepted(alice: WebappUser) -> None:
    response = alice.post(
        "/tasks/",
        content=json.dumps({"title": "From JSON", "priority": "high"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 201
    assert response.json()["task"]["priority"] == "high"


def test_oversized_body_is_400(alice: WebappUser) -> None:
    response = alice.post("/tasks/", {"title": "x", "notes": "n" * 70_000})
    assert response.status_code == 400
    assert "too large" in response.json()["error"]


def test_session_lives_in_the_dapr_state_store(system: RunningSystem, alice: WebappUser) -> None:
    sidecar = system.service("webapp").sidecar_url
    headers = sidecar_headers(system.service("webapp"))
    session = httpx.get(
        f"{sidecar}/v1.0/state/{STATE_STORE}/{state_key(alice.session_key)}", headers=headers
    )
    assert session.status_code == 200
    assert session.json()  # the encoded session
    plain = httpx.get(
        f"{sidecar}/v1.0/state/{STATE_STORE}/session-{alice.session_key}", headers=headers
    )
    assert plain.status_code == 204  # the session key itself never names state


def test_signed_out_user_is_sent_to_sign_in(system: RunningSystem) -> None:
    response = httpx.get(system.service("webapp").app_url + "/")
    assert response.status_code == 302
    assert response.headers["location"].startswith("/accounts/login/")


def test_no_javascript_form_post_redirects_back(alice: WebappUser) -> None:
    response = alice.client.post(
        "/tasks/?filter=active",
        data={"title": "Plain form", "csrfmiddlewaretoken": alice.csrf_token},
        headers={"Referer": alice.base_url + "/"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/?filter=active"
