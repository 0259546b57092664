from __future__ import annotations

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

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
