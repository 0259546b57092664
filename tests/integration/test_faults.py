"""The fault-injection suite: each fault under a steady write load with a tab open loses no
acknowledged write, gets every acknowledged change to the tab, and heals by itself.

Run alone with `scripts/test.sh -m faults`; `bench/faults.py` prints the same scenarios as
a table.
"""

from __future__ import annotations

import pytest

from common.dapr_names import (
    AUDIT_TOPIC,
    BINDINGS_WORKER_APP_ID,
    SYNC_WORKER_APP_ID,
    TASK_EVENTS_DEAD_LETTER_TOPIC,
    TASK_EVENTS_TOPIC,
    TASK_LIVE_TOPIC,
    USER_EVENTS_TOPIC,
)
from tests.conftest import RunningSystem
from tests.integration.broker_access import consumers
from tests.integration.faults import Fault, run

pytestmark = [pytest.mark.integration, pytest.mark.faults]

# A task is saved through webapp, its sidecar and Redis; nothing else may stop a save.
WRITE_PATH = ("webapp", "webapp-dapr", "redis")
# Writes may fail while a write-path process is down: the supervisor's first restart comes
# after 1 s, a sidecar needs a few seconds to load its components and reconnect to Redis
# (more on a busy 2-core machine), and the app is ready a probe later. Measured outages
# are in docs/benchmarks.md (bench/faults); this bound leaves room for a loaded machine.
WRITE_PATH_OUTAGE_BOUND_SECONDS = 30.0

SYNC_WORKER_TOPICS = (
    TASK_LIVE_TOPIC,
    TASK_EVENTS_TOPIC,
    TASK_EVENTS_DEAD_LETTER_TOPIC,
    USER_EVENTS_TOPIC,
)
# The durable queue of each subscription, "<app-id>-<topic>" (components/brokers/rabbitmq/).
RABBITMQ_QUEUES = [
    f"{app_id}-{topic}"
    for app_id, topics in (
        (SYNC_WORKER_APP_ID, SYNC_WORKER_TOPICS),
        (BINDINGS_WORKER_APP_ID, (TASK_EVENTS_TOPIC, AUDIT_TOPIC)),
    )
    for topic in topics
]

FAULTS = [
    *(
        Fault(name)
        for name in (
            "webapp-dapr",
            "sync-worker-dapr",
            "bindings-worker-dapr",
            "webapp",
            "sync-worker",
            "bindings-worker",
            "redis",
            "placement",
            "scheduler",
            "mailsink",
        )
    ),
    Fault("redis", stopped_seconds=5.0),
]


@pytest.mark.pubsub
@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: fault.name)
def test_a_fault_loses_nothing_and_heals_by_itself(
    faulted_system: RunningSystem, fault: Fault
) -> None:
    outcome = run(faulted_system, fault)
    assert outcome.recovered, f"{fault.name}: not ready again without an operator"
    assert outcome.acknowledged > 0
    assert outcome.lost == 0, outcome
    assert outcome.not_delivered == 0, outcome
    if fault.process in WRITE_PATH:
        assert outcome.outage_seconds < WRITE_PATH_OUTAGE_BOUND_SECONDS, outcome
    else:
        assert not outcome.failed, f"{fault.name} stopped saves: {outcome.failed_text}"


def test_a_broker_crash_loses_nothing_and_stops_no_save(faulted_system: RunningSystem) -> None:
    """kill -9 of the dedicated broker (the default one; on Redis the broker is the `redis`
    fault above). Saves go on meanwhile: the outbox's own topic is on Redis, written with
    the state, and forwards every change once the broker is back."""
    broker = faulted_system.topology.broker
    outcome = run(faulted_system, Fault(broker))
    assert outcome.recovered, f"kill -9 {broker}: not ready again without an operator"
    assert outcome.acknowledged > 0
    assert outcome.lost == 0, outcome
    assert outcome.not_delivered == 0, outcome
    if broker not in WRITE_PATH:
        assert not outcome.failed, f"kill -9 {broker} stopped saves: {outcome.failed_text}"
    if broker == "rabbitmq":
        # Each queue has its one consumer back, and no consumer left behind that nobody
        # reads (it would hold its share of the events: dapr_runtime/cmd/daprd/rabbitmq.go).
        for queue in RABBITMQ_QUEUES:
            assert consumers(faulted_system, queue) == 1, queue
