"""sync_worker never uses Django's database, so its requests skip Django's per-request
connection housekeeping: Django runs those receivers of request_started through a worker
thread, one thread hop for every event Dapr delivers
(docs/benchmarks.md#what-the-measurements-changed)."""

from __future__ import annotations

from django.core import signals
from django.db import close_old_connections, reset_queries


def skip_database_housekeeping() -> None:
    signals.request_started.disconnect(reset_queries)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
