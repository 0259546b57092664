"""A state store that does not answer while a page loads the session: 503, never a 500."""

from __future__ import annotations

import pytest
from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.test import Client

from common.dapr.errors import DaprUnavailable
from webapp import sessions
from webapp.accounts import views as account_views
from webapp.todo import views as todo_views

pytestmark = pytest.mark.urls("webapp.urls")


@pytest.fixture
def sessions_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    async def unavailable(self: sessions.SessionStore) -> dict:
        raise DaprUnavailable("state read of a session failed: no answer in 10.0 s")

    monkeypatch.setattr(sessions.SessionStore, "aload", unavailable)


@pytest.mark.usefixtures("sessions_unavailable")
def test_a_task_write_whose_session_cannot_load_is_a_503_with_a_message() -> None:
    client = Client(enforce_csrf_checks=False)
    client.cookies["sessionid"] = "some-session"
    response = client.post("/tasks/", {"title": "Buy milk"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    assert response.json() == {"error": "Task storage is unavailable right now; try again."}


@pytest.mark.usefixtures("sessions_unavailable")
def test_a_page_whose_session_cannot_load_is_a_503_page() -> None:
    client = Client()
    client.cookies["sessionid"] = "some-session"
    response = client.get("/")
    assert response.status_code == 503
    assert b"Task storage is unavailable right now" in response.content


def test_other_errors_are_left_to_django(monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(self: sessions.SessionStore) -> dict:
        raise RuntimeError("a bug")

    monkeypatch.setattr(sessions.SessionStore, "aload", broken)
    client = Client(raise_request_exception=True)
    client.cookies["sessionid"] = "some-session"
    with pytest.raises(RuntimeError, match="a bug"):
        client.get("/")


@pytest.mark.django_db
def test_a_sign_up_whose_session_cannot_be_saved_is_a_503_with_a_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The session is saved after the view (SessionMiddleware's response hook)."""

    async def time_zone_saved(owner: int, time_zone: str) -> None:
        return None

    def created(self: sessions.SessionStore) -> None:
        self._session_key = "k" * 32  # a new key, as create() makes, stored by save()
        self.modified = True

    def unavailable(self: sessions.SessionStore, must_create: bool = False) -> None:
        raise DaprUnavailable("state write of a session failed: no answer in 10.0 s")

    monkeypatch.setattr(account_views, "set_time_zone", time_zone_saved)
    monkeypatch.setattr(sessions.SessionStore, "create", created)
    monkeypatch.setattr(sessions.SessionStore, "save", unavailable)
    response = Client().post(
        "/accounts/signup/",
        {
            "username": "outage",
            "email": "outage@example.com",
            "password1": "correct-horse-battery-42",
            "password2": "correct-horse-battery-42",
            "time_zone": "UTC",
        },
    )
    assert response.status_code == 503
    assert b"Task storage is unavailable right now" in response.content


def test_a_task_write_whose_storage_is_down_is_a_503_with_a_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Inside a task view (after the login check), as while loading the session."""

    async def signed_in(request: object) -> User:
        return User(pk=7, username="signed-in")

    async def unavailable(owner: int) -> None:
        raise DaprUnavailable("state read of preferences-7 failed: no answer in 10.0 s")

    monkeypatch.setattr(auth_middleware.auth, "aget_user", signed_in)
    monkeypatch.setattr(todo_views, "load_preferences", unavailable)
    response = Client().post("/tasks/", {"title": "Buy milk"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    assert response.json() == {"error": "Task storage is unavailable right now; try again."}


def test_an_error_answers_a_request_that_never_reached_the_htmx_middleware() -> None:
    """A session save fails after a middleware above HtmxMiddleware answered (a redirect)."""
    request = HttpRequest()
    request.META["HTTP_ACCEPT"] = "text/html"
    response = todo_views.error(request, 503, todo_views.STORAGE_UNAVAILABLE)  # type: ignore[arg-type]
    assert response.status_code == 503
    assert todo_views.STORAGE_UNAVAILABLE in response.content.decode()
