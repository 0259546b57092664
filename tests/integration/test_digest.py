"""The daily digest goes out once per user and day, however many replicas tick."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest

from devtools.mailsink import read_index, wait_for_messages
from devtools.supervise import Supervised
from devtools.topology import Service
from tests.conftest import REPLICA, RunningSystem
from tests.integration.publishing import now, publish, task_event
from tests.integration.verification import verify_address

pytestmark = pytest.mark.integration

TICK = "digest tick done"


def next_tick(process: Supervised, timeout: float = 90) -> None:
    """Waits for a digest tick that completes after this call (the cron fires each minute)."""
    seen = sum(TICK in line for line in process.lines)
    count = 0

    def later_tick(line: str) -> bool:
        nonlocal count
        count += TICK in line
        return count > seen

    process.wait_for_line(later_tick, timeout)


@pytest.fixture
def second_replica(system: RunningSystem) -> Iterator[Service]:
    with system.replica("bindings_worker") as replica:
        yield replica


def test_two_replicas_send_one_digest(system: RunningSystem, second_replica: Service) -> None:
    name = f"d{uuid.uuid4().hex[:10]}"
    email = f"{name}@example.com"
    owner = system.create_user(name, email)
    verify_address(system, owner, email)
    # Overdue: listed in the digest, no reminder e-mail of its own.
    event = task_event(owner, due=now() - timedelta(hours=1), title="Overdue report")
    publish(system.service("webapp"), event)
    first = system.app_process("bindings_worker")
    replica = system.group[f"{second_replica.app_id}{REPLICA}"]
    first.wait_for_line(lambda line: event.dedupe_key in line and "applied" in line, 30)

    next_tick(first)
    next_tick(replica)

    def is_digest(message: dict) -> bool:
        return (
            message["subject"].startswith("Your Dapr Todo digest") and email in message["rcpt_tos"]
        )

    wait_for_messages(system.mail_dir, is_digest)
    assert len([m for m in read_index(system.mail_dir) if is_digest(m)]) == 1
    skipped = [line for process in (first, replica) for line in process.lines if TICK in line]
    assert any("already sent" in line or "locked" in line for line in skipped)
