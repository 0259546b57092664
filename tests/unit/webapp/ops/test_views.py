"""The operator page is for staff only; /ops/metadata only answers the webapp."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from pytest_django.fixtures import Settings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sessions_without_a_sidecar(settings: Settings) -> None:
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"


def test_anonymous_users_are_sent_to_sign_in(client: Client) -> None:
    response = client.get("/ops/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_signed_in_users_who_are_not_staff_are_refused(client: Client) -> None:
    client.force_login(User.objects.create_user("plain", password="x-long-password-1"))
    assert client.get("/ops/").status_code == 403
    assert client.get("/ops/data").status_code == 403


def test_staff_see_the_page(client: Client) -> None:
    client.force_login(User.objects.create_user("op", password="x-long-password-1", is_staff=True))
    response = client.get("/ops/")
    assert response.status_code == 200
    assert b'id="service-sync-worker"' in response.content


def test_ops_metadata_refuses_other_callers(client: Client) -> None:
    response = client.get("/ops/metadata", headers={"dapr-caller-app-id": "sync-worker"})
    assert response.status_code == 403
