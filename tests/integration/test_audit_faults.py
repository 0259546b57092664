"""Killing the writer between a change and its record loses neither (faulted_system).

A task change and its audit record are one state transaction whose outbox publishes the
record; bindings-worker seals it, idempotently by record id. So SIGKILL of webapp right
after a change is acknowledged, or of bindings-worker in the middle of sealing, leaves
every acknowledged change's record sealed once, and the trail verifying.
"""

from __future__ import annotations

import collections

import pytest

from tests.conftest import RunningSystem
from tests.integration.faults import Fault, Writer, inject
from tests.integration.test_audit import (
    action_on,
    manage_audit,
    redis_client,
    sealed_records,
    wait_for_record,
)
from tests.integration.webapp_http import WebappUser

pytestmark = [pytest.mark.integration, pytest.mark.pubsub]


def test_killing_webapp_right_after_an_acknowledged_change_loses_no_record(
    faulted_system: RunningSystem,
) -> None:
    user = WebappUser(faulted_system.service("webapp").app_url)
    try:
        task = user.create("acknowledged, then killed")
        inject(faulted_system, Fault("webapp"))
        sealed = wait_for_record(faulted_system, action_on("task.created", task["id"]))
        assert sealed["actor"]["username"] == user.username
    finally:
        user.close()
    assert manage_audit(faulted_system, "verify").returncode == 0


def test_killing_bindings_worker_mid_sealing_loses_and_doubles_nothing(
    faulted_system: RunningSystem,
) -> None:
    user = WebappUser(faulted_system.service("webapp").app_url)
    writer = Writer(user, interval=0.1)
    writer.start()
    try:
        while len(writer.acknowledged) < 10:
            writer.stop.wait(0.1)
        inject(faulted_system, Fault("bindings-worker"))
        while len(writer.acknowledged) < 20:
            writer.stop.wait(0.1)
    finally:
        writer.stop.set()
        writer.join()
        user.close()
    for task_id in writer.acknowledged:
        wait_for_record(faulted_system, action_on("task.created", task_id))
    ids = collections.Counter(
        r["id"] for r in sealed_records(redis_client(faulted_system)).values()
    )
    assert [record_id for record_id, n in ids.items() if n > 1] == []
    verified = manage_audit(faulted_system, "verify")
    assert verified.returncode == 0, verified.stderr
