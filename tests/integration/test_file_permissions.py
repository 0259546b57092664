"""Secrets, the users database and the mail sink's files are readable by their owner only:
everything under a running system's state dir (credentials, secrets.json, the audit keys,
users.sqlite3, mail/, Redis's and the scheduler's data, logs)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.conftest import RunningSystem

pytestmark = pytest.mark.integration

SHARED_BITS = stat.S_IRWXG | stat.S_IRWXO


def exposed(root: Path) -> list[str]:
    """Paths under `root` (itself included) that group or others may read, write or enter."""
    paths = [root, *root.rglob("*")]
    return [
        f"{path.relative_to(root.parent)} {stat.filemode(path.lstat().st_mode)}"
        for path in paths
        if not path.is_symlink() and path.lstat().st_mode & SHARED_BITS
    ]


def test_nothing_in_the_state_dir_is_readable_by_others(system: RunningSystem) -> None:
    state_dir = system.topology.state_dir
    for expected in ("credentials", "secrets.json", "audit-keys.json", "users.sqlite3", "mail"):
        assert (state_dir / expected).exists(), expected
    assert exposed(state_dir) == []
