"""A system's state directory and everything in it, old or new, is its owner's alone."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.owner_only import keep_owner_only


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def restored_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_files_of_an_earlier_run_are_tightened(tmp_path: Path) -> None:
    state = tmp_path / "state"
    (state / "mail").mkdir(parents=True)
    (state / "mail" / "1.eml").write_text("hello")
    (state / "users.sqlite3").write_text("")
    state.chmod(0o755)
    keep_owner_only(state)
    assert mode(state) == 0o700
    assert mode(state / "mail") == 0o700
    assert mode(state / "mail" / "1.eml") == 0o600
    assert mode(state / "users.sqlite3") == 0o600


def test_files_made_afterwards_are_owner_only(tmp_path: Path) -> None:
    state = tmp_path / "state"
    keep_owner_only(state)
    (state / "later.log").write_text("")
    (state / "later").mkdir()
    assert mode(state / "later.log") == 0o600
    assert mode(state / "later") == 0o700


def test_an_executable_keeps_its_owner_bits(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "tool").write_text("")
    (state / "tool").chmod(0o755)
    keep_owner_only(state)
    assert mode(state / "tool") == 0o700
