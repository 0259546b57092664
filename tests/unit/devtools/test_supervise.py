from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools import supervise
from devtools.commands import Command
from devtools.supervise import (
    SUPERVISOR_PREFIX,
    LineNotSeen,
    NotRestarted,
    ProcessGroup,
    RestartPolicy,
)

FAST = RestartPolicy(initial_delay=0.1, max_delay=0.4, reset_after=60)


def shell(name: str, script: str) -> Command:
    return Command(name, ["sh", "-c", script])


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too: only its parent has not reaped it yet.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ", 1)[1][0] != "Z"


def restart_delays(lines: list[str]) -> list[str]:
    return [line.rsplit(" in ", 1)[1] for line in lines if line.startswith(SUPERVISOR_PREFIX)]


@pytest.fixture
def group(tmp_path: Path) -> Iterator[ProcessGroup]:
    with ProcessGroup(tmp_path / "logs", tmp_path) as processes:
        yield processes


def test_restart_policy_doubles_up_to_its_maximum() -> None:
    policy = RestartPolicy(initial_delay=1, max_delay=30)
    assert [policy.delay(n) for n in range(7)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_killed_process_is_restarted_and_the_others_keep_running(group: ProcessGroup) -> None:
    crashing = group.start(shell("crashing", "echo up; exec sleep 60"), FAST)
    bystander = group.start(shell("bystander", "echo up; exec sleep 60"), FAST)
    crashing.wait_for_line(lambda line: line == "up", timeout=5)
    first, other = crashing.process.pid, bystander.process.pid
    mark = crashing.mark()

    os.kill(first, signal.SIGKILL)

    assert crashing.wait_for_restart(0, timeout=5).pid != first
    crashing.wait_for_line(lambda line: line == "up", timeout=5, after=mark)
    assert crashing.restarts == 1
    assert alive(crashing.process.pid)
    assert bystander.process.pid == other
    assert alive(other)
    assert bystander.restarts == 0


def test_a_crash_loop_backs_off_doubling_to_the_maximum(group: ProcessGroup) -> None:
    looping = group.start(shell("looping", "echo up; exit 3"), FAST)
    looping.wait_for_restart(3, timeout=10)
    looping.wait_for_line(lambda line: "restart 5 in" in line, timeout=5)
    assert restart_delays(looping.lines)[:5] == ["0.1 s", "0.2 s", "0.4 s", "0.4 s", "0.4 s"]
    assert "looping exited with status 3" in looping.lines[1]


def test_a_process_that_stayed_up_restarts_without_waiting_longer(group: ProcessGroup) -> None:
    policy = RestartPolicy(initial_delay=0.1, max_delay=0.4, reset_after=0.2)
    steady = group.start(shell("steady", "sleep 0.3; exit 1"), policy)
    steady.wait_for_line(lambda line: "restart 3 in" in line, timeout=10)
    assert restart_delays(steady.lines)[:3] == ["0.1 s", "0.1 s", "0.1 s"]


def test_without_a_policy_a_process_that_exits_stays_down(group: ProcessGroup) -> None:
    once = group.start(shell("once", "echo bye; exit 2"))
    once.wait_for_line(lambda line: line == "bye", timeout=5)
    with pytest.raises(LineNotSeen, match="exit status 2"):
        once.wait_for_line(lambda line: line == "never", timeout=5)
    with pytest.raises(NotRestarted):
        once.wait_for_restart(0, timeout=1)


def test_a_stop_during_the_backoff_starts_nothing_more(group: ProcessGroup) -> None:
    slow = RestartPolicy(initial_delay=30, max_delay=30)
    dying = group.start(shell("dying", "exit 1"), slow)
    dying.wait_for_line(lambda line: "restart 1 in 30.0 s" in line, timeout=5)
    began = time.monotonic()
    group.stop("dying")
    assert time.monotonic() - began < 5
    assert dying.restarts == 0


def test_the_start_condition_holds_back_every_start(group: ProcessGroup) -> None:
    allowed = threading.Event()
    gated = group.start(shell("gated", "echo up; exit 1"), FAST, before_start=allowed.is_set)
    with pytest.raises(LineNotSeen):
        gated.wait_for_line(lambda line: line == "up", timeout=0.5)
    assert not gated.started
    allowed.set()
    gated.wait_for_line(lambda line: line == "up", timeout=5)
    allowed.clear()
    gated.wait_for_line(lambda line: "restart 1 in" in line, timeout=5)
    with pytest.raises(NotRestarted):
        gated.wait_for_restart(0, timeout=1)
    allowed.set()
    gated.wait_for_restart(0, timeout=5)


def test_stop_all_leaves_no_process_behind(
    group: ProcessGroup, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(supervise, "STOP_GRACE_SECONDS", 1.0)
    # A child of its own in the background, and one that ignores SIGTERM.
    parent = group.start(shell("parent", "sleep 60 & echo $!; wait"), FAST)
    stubborn = group.start(shell("stubborn", "trap '' TERM; echo up; while :; do sleep 1; done"))
    child = int(parent.wait_for_line(str.isdigit, timeout=5))
    stubborn.wait_for_line(lambda line: line == "up", timeout=5)
    pids = [parent.process.pid, stubborn.process.pid, child]

    began = time.monotonic()
    group.stop_all()

    assert time.monotonic() - began < 5
    assert [pid for pid in pids if alive(pid)] == []
    assert group.processes == {}
    assert parent.restarts == 0


def test_every_line_is_echoed_with_its_process_name(tmp_path: Path) -> None:
    echoed: list[tuple[str, str]] = []
    with ProcessGroup(tmp_path, tmp_path, echo=lambda *line: echoed.append(line)) as group:
        talker = group.start(shell("talker", "echo one; echo two"))
        talker.wait_for_line(lambda line: line == "two", timeout=5)
    assert echoed == [("talker", "one"), ("talker", "two")]
    assert (tmp_path / "talker.log").read_text() == "one\ntwo\n"
