from __future__ import annotations

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from common import health
from devtools.topology import free_port


@pytest.mark.urls("webapp.urls")
def test_healthz_is_alive_without_sidecar(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}


@pytest.mark.urls("webapp.urls")
def test_readyz_is_503_naming_the_unreachable_sidecar(client: Client, settings: Settings) -> None:
    settings.DAPR_HTTP_PORT = free_port()
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert f"127.0.0.1:{settings.DAPR_HTTP_PORT}/v1.0/healthz/outbound" in body["reason"]


@pytest.mark.urls("webapp.urls")
def test_healthz_rejects_post(client: Client) -> None:
    assert client.post("/healthz").status_code == 405


@pytest.mark.urls("webapp.urls")
def test_readyz_is_503_naming_a_store_that_does_not_answer(
    client: Client, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def sidecar_up() -> tuple[bool, str]:
        return True, "sidecar ready"

    async def store_read(store: str, timeout: float = 1.0) -> tuple[bool, str]:
        return (store != "taskstore"), f"{store} checked"

    monkeypatch.setattr(health, "outbound_ready", sidecar_up)
    monkeypatch.setattr(health, "store_reachable", store_read)
    settings.READINESS_STORES = ["statestore", "taskstore"]
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["reason"] == "taskstore checked"
    settings.READINESS_STORES = ["statestore"]
    assert client.get("/readyz").status_code == 200
