"""Assigns each user's events their sequence numbers, atomically, in the state store.

One key per user holds the log's head (a SyncLog) and one key per logged event holds the
event. Logging an event reads the head and writes, in one transaction, the head with the
ETag read, the event and the delete of the event that fell out of the log; so concurrent
sync_worker instances never hand out one seq twice.

state.redis does not roll a transaction back when the head's ETag is stale: the loser's
event entry and delete are still applied. That is harmless because an event's key is its
dedupe key (the loser's entry is either the same event, or rewritten with its real seq
when the loser retries), and the loser deletes only an event already out of the log.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from common import backends
from common.dapr.errors import DaprConflict, DaprUnavailable
from common.dapr.state import Delete, StateItem, Upsert
from common.dapr_names import STATE_STORE
from sync_worker.synclog import CatchUp, CorruptLog, LoggedEvent, SyncLog

logger = logging.getLogger(__name__)

# Each attempt loses only to another event of the same user landing first.
MAX_ATTEMPTS = 10
# A logged event outlives any tab that could still ask for it; an entry a retry never
# rewrote (the loser gave up) expires with it.
EVENT_TTL_SECONDS = 30 * 24 * 3600


class SequencerBusy(DaprUnavailable):
    """Too many concurrent writers on one user's log; Dapr should redeliver later."""


@dataclass(frozen=True)
class Sequenced:
    """An event as logged: its owner, its log's epoch and its seq."""

    owner: int
    epoch: str
    event: LoggedEvent


def log_key(owner: int) -> str:
    return f"synclog-{owner}"


def event_key(owner: int, epoch: str, dedupe_key: str) -> str:
    """Where one logged event is kept: its log's epoch in the key, so a restarted log
    never reads the old one's events."""
    return f"synclog-{owner}-{epoch}-{dedupe_key}"


def _parse(owner: int, item: StateItem | None) -> SyncLog:
    if item is None:
        return SyncLog()
    try:
        return SyncLog.from_state(item.value)
    except CorruptLog:
        # Starting a new log (new epoch) sends every open tab of this user a refresh.
        logger.exception("sync log is corrupt; starting a new one", extra={"owner": owner})
        return SyncLog()


async def load_log(owner: int) -> SyncLog:
    """The user's current log head (empty when none is stored)."""
    return _parse(owner, await backends.state().get_item(STATE_STORE, log_key(owner)))


async def load_catch_up(owner: int, after: int) -> tuple[SyncLog, CatchUp]:
    """The user's log head and what a tab that applied everything up to `after` needs."""
    log = await load_log(owner)
    wanted = log.wanted(after) or []
    keys = {event_key(owner, log.epoch, dedupe_key): dedupe_key for dedupe_key in wanted}
    logged = {}
    for key, raw in (await backends.state().get_bulk(STATE_STORE, list(keys))).items():
        try:
            logged[keys[key]] = LoggedEvent.from_state(raw)
        except CorruptLog:
            logger.exception("logged event is corrupt; the tab refreshes", extra={"owner": owner})
    return log, log.since(after, logged)


async def sequence_event(owner: int, dedupe_key: str, data: dict[str, Any]) -> Sequenced | None:
    """Appends an event to its owner's log; None when `dedupe_key` is already logged.

    Raises DaprError (SequencerBusy included) when the store is unavailable or contended.
    """
    key = log_key(owner)
    for _ in range(MAX_ATTEMPTS):
        item = await backends.state().get_item(STATE_STORE, key)
        if item is None:
            await _create_log(key)
            continue
        log = _parse(owner, item)
        if log.contains(dedupe_key):
            return None
        appended = log.append(dedupe_key, data)
        operations: list[Upsert | Delete] = [
            Upsert(key, log.to_state(), item.etag),
            Upsert(
                event_key(owner, log.epoch, dedupe_key),
                appended.event.to_state(),
                overwrite=True,
                ttl_seconds=EVENT_TTL_SECONDS,
            ),
        ]
        if appended.dropped is not None:
            operations.append(Delete(event_key(owner, log.epoch, appended.dropped)))
        try:
            await backends.state().transact(STATE_STORE, [op.to_operation() for op in operations])
        except DaprConflict:
            continue
        return Sequenced(owner, log.epoch, appended.event)
    raise SequencerBusy(f"sync log of user {owner} is too contended")


async def _create_log(key: str) -> None:
    """Stores an empty log, unless another instance just did (a plain first-write save:
    unlike a transaction's, it refuses to replace a log that already exists)."""
    with contextlib.suppress(DaprConflict):
        await backends.state().save_item(STATE_STORE, key, SyncLog().to_state(), None)
