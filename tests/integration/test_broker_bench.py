"""bench.brokers' code at small scale on RabbitMQ (the product's broker), so the
benchmark cannot rot: every publish the sidecar acknowledged reaches the subscriber app,
and the figures are measured."""

from __future__ import annotations

import asyncio

import pytest

from bench.brokers.measure import steady, warm_up
from bench.brokers.system import at_rest_rss_mb, running

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


def test_rabbitmq_delivers_every_acknowledged_publish(tmp_path) -> None:
    with running("rabbitmq", tmp_path) as system:
        asyncio.run(warm_up(system))
        rss_mb = at_rest_rss_mb(system)
        result = asyncio.run(steady(system, rate=10, seconds=2))

    assert result.changes == 20
    assert result.acknowledged == result.changes
    assert result.delivered == result.acknowledged
    assert 0 < result.p50_ms <= result.p99_ms
    assert result.cpu_ms_per_change > 0
    # beam.smp alone is well above this; a probe that read nothing would give 0.
    assert rss_mb > 20
