"""The integration tests' fixtures live in tests/conftest.py (shared with tests/e2e)."""

from __future__ import annotations

from tests.conftest import RunningSystem, log_tails

__all__ = ["RunningSystem", "log_tails"]
