"""CPU time and resident memory of whole process sessions, read from /proc.

Every supervised process leads its own session (devtools.supervise), so a broker's helper
processes (RabbitMQ's erl_child_setup and inet_gethost) count with it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def _stat_fields(pid: str) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # gone meanwhile
        return None
    # Field 3 on (state, ppid, pgrp, session, ...): the command name may hold spaces.
    return text.rsplit(")", 1)[1].split()


def session_pids(leaders: Iterable[int]) -> list[int]:
    """Every live process whose session is led by one of `leaders`."""
    wanted = {str(leader) for leader in leaders}
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(entry)
            if fields is not None and fields[3] in wanted:
                pids.append(int(entry))
    return pids


def cpu_seconds(leaders: Iterable[int]) -> float:
    """User plus system CPU time so far of every process in the sessions of `leaders`."""
    total = 0
    for pid in session_pids(leaders):
        fields = _stat_fields(str(pid))
        if fields is not None:
            total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def rss_bytes(leaders: Iterable[int]) -> int:
    """Resident memory of every process in the sessions of `leaders`."""
    total = 0
    for pid in session_pids(leaders):
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_BYTES
        except OSError:
            continue
    return total
