"""The access log: requests under dapr_todo.requests, failing probes under dapr_todo.probes,
passing probes nowhere."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from devtools.topology import free_port


@pytest.mark.urls("webapp.urls")
def test_a_failing_probe_is_logged_apart_from_requests(
    client: Client, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.DAPR_HTTP_PORT = free_port()  # no sidecar: /readyz fails
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").status_code == 200
    logged = [(r.name, r.path, r.status) for r in caplog.records if r.name.startswith("dapr_todo.")]
    assert logged == [("dapr_todo.probes", "/readyz", 503)]
