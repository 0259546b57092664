from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client

from bindings_worker import cron, digest, locks

pytestmark = pytest.mark.urls("bindings_worker.urls")


def test_cron_binding_accepts_the_sidecars_options_probe() -> None:
    # Any non-404 answer to OPTIONS tells the sidecar the app takes this input binding.
    assert Client(enforce_csrf_checks=True).options("/digest-cron").status_code == 200


def test_cron_tick_sends_due_digests(monkeypatch: pytest.MonkeyPatch) -> None:
    async def fake_send(now: datetime) -> dict[str, int]:
        return {"sent": 1, "locked": 2}

    monkeypatch.setattr(digest, "send_due_digests", fake_send)
    response = Client(enforce_csrf_checks=True).post("/digest-cron")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "outcomes": {"sent": 1, "locked": 2}}


def test_cron_tick_without_lock_store_is_a_503(monkeypatch: pytest.MonkeyPatch) -> None:
    async def failing(now: datetime) -> dict[str, int]:
        raise locks.LockUnavailable("lock API unreachable")

    monkeypatch.setattr(cron.digest, "send_due_digests", failing)
    response = Client(enforce_csrf_checks=True).post("/digest-cron")
    assert response.status_code == 503
    assert "lock API unreachable" in response.json()["reason"]
