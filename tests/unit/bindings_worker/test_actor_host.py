from __future__ import annotations

import pytest
from django.test import Client

from common import dapr_names

pytestmark = pytest.mark.urls("bindings_worker.urls")


def test_dapr_config_lists_the_hosted_actor_types() -> None:
    config = Client().get("/dapr/config").json()
    assert set(config["entities"]) == {
        dapr_names.REMINDER_ACTOR_TYPE,
        dapr_names.OWNER_ACTOR_TYPE,
    }
    assert config["actorIdleTimeout"].startswith("1h")


def test_unknown_actor_type_is_a_404_without_csrf_token() -> None:
    response = Client(enforce_csrf_checks=True).put("/actors/Nope/1/method/status")
    assert response.status_code == 404
    assert "Nope" in response.json()["error"]


def test_actor_calls_need_the_app_token_when_set(settings: object) -> None:
    settings.APP_API_TOKEN = "s3cret"  # type: ignore[attr-defined]
    response = Client().put(f"/actors/{dapr_names.REMINDER_ACTOR_TYPE}/t-1/method/status")
    assert response.status_code == 401


def test_dapr_config_needs_the_app_token_when_set(settings: object) -> None:
    # daprd sends the token on GET /dapr/config too; without it nobody else learns which
    # actor types live here.
    settings.APP_API_TOKEN = "s3cret"  # type: ignore[attr-defined]
    assert Client().get("/dapr/config").status_code == 401
    allowed = Client().get("/dapr/config", headers={"dapr-api-token": "s3cret"})
    assert allowed.status_code == 200
