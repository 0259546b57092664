"""The arithmetic of bench/brokers' figures, on made-up publishes and receipts."""

from __future__ import annotations

import math

from bench.brokers.load import Published, duplicates, first_receipts, receipts
from bench.brokers.measure import delivery_resumed, publish_resumed

KILL = 1_000_000_000
READY = 3_000_000_000


def test_receipts_keep_only_the_run_and_every_duplicate() -> None:
    lines = [
        "received rate-30 1 100",
        "received recovery 1 150",
        "supervise: bench-subscriber exited",
        "received rate-30 1 200",
        "received rate-30 2 300",
    ]

    found = receipts(lines, "rate-30")

    assert first_receipts(found) == {1: 100, 2: 300}
    assert duplicates(found) == 1


def testpublish_resumed_ignores_acknowledgements_while_the_broker_is_down() -> None:
    published = [
        Published(0, KILL - 10, KILL + 5, acknowledged=True),  # started before the kill
        Published(1, KILL + 1, KILL + 2, acknowledged=True),  # answered while down
        Published(2, KILL + 2, READY + 500_000_000, acknowledged=False),
        Published(3, KILL + 3, READY + 1_000_000_000, acknowledged=True),
    ]

    assert publish_resumed(published, KILL, READY) == 3.0


def testdelivery_resumed_counts_only_events_published_after_the_kill() -> None:
    published = [
        Published(0, KILL - 10, KILL - 5, acknowledged=True),
        Published(1, KILL + 10, READY, acknowledged=True),
    ]
    first = {0: KILL + 100, 1: KILL + 2_500_000_000}

    assert delivery_resumed(published, first, KILL) == 2.5
    assert math.isnan(delivery_resumed(published, {0: KILL + 100}, KILL))
