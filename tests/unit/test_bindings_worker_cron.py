from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.urls("bindings_worker.urls")


def test_cron_binding_accepts_the_sidecars_options_probe() -> None:
    # Any non-404 answer to OPTIONS tells the sidecar the app takes this input binding.
    assert Client(enforce_csrf_checks=True).options("/digest-cron").status_code == 200


def test_cron_tick_is_acknowledged() -> None:
    response = Client(enforce_csrf_checks=True).post("/digest-cron")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
