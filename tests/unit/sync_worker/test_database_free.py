"""sync_worker's requests start and finish without Django's database housekeeping."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core import signals
from django.db import close_old_connections, reset_queries

from sync_worker.database_free import skip_database_housekeeping


@pytest.fixture
def housekeeping_restored() -> Iterator[None]:
    yield
    signals.request_started.connect(reset_queries)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def receivers(signal: signals.Signal) -> list[object]:
    return [receiver() for _key, receiver, *_ in signal.receivers]


@pytest.mark.usefixtures("housekeeping_restored")
def test_no_database_receiver_is_left_on_the_request_signals() -> None:
    assert close_old_connections in receivers(signals.request_started)  # Django's default
    skip_database_housekeeping()
    assert close_old_connections not in receivers(signals.request_started)
    assert reset_queries not in receivers(signals.request_started)
    assert close_old_connections not in receivers(signals.request_finished)
