"""Per-system secrets are stable for a system, distinct between systems, owner-only."""

from __future__ import annotations

import stat
from pathlib import Path

from devtools.credentials import credentials_dir, kept_secret
from devtools.topology import free_topology


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_secret_is_made_once_and_kept(tmp_path: Path) -> None:
    topology = free_topology(tmp_path / "system")
    first = kept_secret(topology, "dapr-api-token")
    assert len(first) >= 40
    assert kept_secret(topology, "dapr-api-token") == first
    assert kept_secret(topology, "app-api-token") != first


def test_two_systems_get_different_secrets(tmp_path: Path) -> None:
    one, other = free_topology(tmp_path / "one"), free_topology(tmp_path / "other")
    assert kept_secret(one, "redis-password") != kept_secret(other, "redis-password")


def test_only_the_owner_can_read_them(tmp_path: Path) -> None:
    topology = free_topology(tmp_path / "system")
    kept_secret(topology, "redis-password")
    assert mode(credentials_dir(topology)) == 0o700
    assert mode(credentials_dir(topology) / "redis-password") == 0o600
