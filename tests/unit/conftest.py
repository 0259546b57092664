"""Fixtures shared by the unit tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_django.fixtures import Settings

from tests.unit.fake_state import FakeStateStore

IN_MEMORY_LAYER = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture
def sync_worker_store(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> FakeStateStore:
    """The sync worker's state store and channel layer, in memory."""
    settings.CHANNEL_LAYERS = IN_MEMORY_LAYER
    fake = FakeStateStore()
    fake.install(monkeypatch)
    return fake


@pytest.fixture(autouse=True)
def fresh_module_caches() -> Iterator[None]:
    """Each test starts without what an earlier one left in module-level caches: the
    backends settings chose, the sync sidecar client, sync_worker's memory of logged events."""
    from common import backends
    from common.dapr import client
    from sync_worker import delivery

    def clear() -> None:
        for chosen in (backends.state, backends.lock, backends.publish):
            chosen.cache_clear()
        client.reset_sync_client()
        delivery.forget_logged()

    clear()
    yield
    clear()
