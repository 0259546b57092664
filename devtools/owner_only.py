"""A system's files are its owner's alone: secrets, the users database, the mail sink's
messages, logs and data (issue 12: nobody else on the machine may read them).

The umask makes every file created from here on (by this process and every process it
starts) owner-only; the walk tightens files an earlier run created with wider modes.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

OWNER_ONLY_UMASK = 0o077


def keep_owner_only(state_dir: Path) -> None:
    """From now on files are created owner-only; `state_dir` and all in it already are."""
    os.umask(OWNER_ONLY_UMASK)
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    for path in (state_dir, *state_dir.rglob("*")):
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:  # a process of a running system removed it meanwhile
            continue
        if not stat.S_ISLNK(mode) and stat.S_IMODE(mode) & 0o077:
            path.chmod(stat.S_IMODE(mode) & 0o700)
