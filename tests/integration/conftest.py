"""Fixtures of the integration tests; the running system itself is in tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import RunningSystem
from tests.integration.webapp_http import WebappUser


@pytest.fixture
def webapp_user(system: RunningSystem) -> Iterator[WebappUser]:
    """A freshly signed-up user of the running webapp (time zone Europe/Berlin)."""
    user = WebappUser(system.service("webapp").app_url)
    yield user
    user.close()
