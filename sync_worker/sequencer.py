"""Assigns each user's events their sequence numbers, atomically, in the state store.

One key per user holds the SyncLog; every change is a read and a first-write save with
the ETag read, so concurrent sync_worker instances never hand out one seq twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from common import state
from common.dapr_names import STATE_STORE
from sync_worker.synclog import CorruptLog, LoggedEvent, SyncLog

logger = logging.getLogger(__name__)

# Each attempt loses only to another event of the same user landing first.
MAX_ATTEMPTS = 10


class SequencerBusy(state.StateError):
    """Too many concurrent writers on one user's log; Dapr should redeliver later."""


@dataclass(frozen=True)
class Sequenced:
    """An event as logged: its owner, its log's epoch and its seq."""

    owner: int
    epoch: str
    event: LoggedEvent


def log_key(owner: int) -> str:
    return f"synclog-{owner}"


def _parse(owner: int, item: state.StateItem | None) -> SyncLog:
    if item is None:
        return SyncLog()
    try:
        return SyncLog.from_state(item.value)
    except CorruptLog:
        # Starting a new log (new epoch) sends every open tab of this user a refresh.
        logger.exception("sync log is corrupt; starting a new one", extra={"owner": owner})
        return SyncLog()


async def load_log(owner: int) -> SyncLog:
    """The user's current log (empty when none is stored)."""
    return _parse(owner, await state.get_item(STATE_STORE, log_key(owner)))


async def sequence_event(owner: int, dedupe_key: str, data: dict[str, Any]) -> Sequenced | None:
    """Appends an event to its owner's log; None when `dedupe_key` is already logged.

    Raises StateError (SequencerBusy included) when the store is unavailable or contended.
    """
    key = log_key(owner)
    for _ in range(MAX_ATTEMPTS):
        item = await state.get_item(STATE_STORE, key)
        log = _parse(owner, item)
        if log.contains(dedupe_key):
            return None
        logged = log.append(dedupe_key, data)
        try:
            await state.save_item(STATE_STORE, key, log.to_state(), item.etag if item else None)
        except state.ETagMismatch:
            continue
        return Sequenced(owner, log.epoch, logged)
    raise SequencerBusy(f"sync log of user {owner} is too contended")
