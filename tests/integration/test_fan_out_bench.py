"""bench.scaling.fan_out's core at small scale, so the benchmark cannot rot: with two
sync_worker instances, every change reaches every tab of its owner, whichever instance
holds the tab, once and in seq order, and the CPU figures are measured."""

from __future__ import annotations

import asyncio

import pytest

from bench.scaling.fan_out import drive, scaled
from tests.conftest import REPLICA, RunningSystem

pytestmark = [pytest.mark.integration, pytest.mark.pubsub]


def test_two_instances_deliver_every_change_to_every_tab(system: RunningSystem) -> None:
    with system.replica("sync_worker") as replica:
        scaled_system = scaled(system.group, system.topology, {REPLICA: replica})
        result = asyncio.run(drive(scaled_system, users_count=3, per_user=4, changes=12, rate=10))

    assert result.instances == 2
    assert result.failed_writes == 0
    assert result.expected == 12 * 4
    assert result.received == result.expected
    # Each user's tabs are on both instances, and those on each got every change.
    assert result.expected_per_instance == [24, 24]
    assert result.received_per_instance == result.expected_per_instance
    assert (result.duplicates, result.gaps, result.out_of_order) == (0, 0, 0)
    assert result.sync_worker_cpu_ms_per_change > 0
    assert result.cpu_ms_per_change > result.sync_worker_cpu_ms_per_change
    assert len(result.cpu_ms_per_change_per_instance) == 2
