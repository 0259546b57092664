"""Fixtures shared by the unit tests."""

from __future__ import annotations

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
