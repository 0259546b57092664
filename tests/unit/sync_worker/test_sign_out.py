"""The sign-out endpoint: only webapp may call it, and it closes only valid sessions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import Client
from pytest_django.fixtures import Settings

from common.session_ids import fingerprint
from sync_worker.fanout import user_group

pytestmark = pytest.mark.urls("sync_worker.urls")

PATH = "/sessions/signed-out"
SESSION = fingerprint("some-session-key")


@pytest.fixture(autouse=True)
def in_memory_layer(settings: Settings) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def post(body: Any, caller: str = "webapp") -> Any:
    payload = body if isinstance(body, str) else json.dumps(body)
    return Client(enforce_csrf_checks=True).post(
        PATH, payload, content_type="application/json", headers={"dapr-caller-app-id": caller}
    )


def test_sign_out_sends_the_close_to_the_users_group() -> None:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(7), channel)
    assert post({"owner": 7, "session": SESSION}).status_code == 204
    message = async_to_sync(layer.receive)(channel)
    assert message == {"type": "session.signed_out", "session": SESSION}


def test_sign_out_is_only_for_webapp() -> None:
    assert post({"owner": 7, "session": SESSION}, caller="bindings-worker").status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[" * 5000 + "]" * 5000,
        [],
        {"owner": "7", "session": SESSION},
        {"owner": True, "session": SESSION},
        {"owner": 7, "session": "the-raw-session-key"},
        {"owner": 7},
    ],
)
def test_sign_out_refuses_a_malformed_body_with_400(body: Any) -> None:
    response = post(body)
    assert response.status_code == 400
    assert "error" in response.json()
