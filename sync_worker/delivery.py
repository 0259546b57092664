"""The sync worker's one service: take a task event from pub/sub to every open tab."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from redis.exceptions import RedisError

from common.keyed_locks import KeyedLocks
from common.task_events import TaskEvent
from common.user_events import UserEvent
from sync_worker.fanout import push_event
from sync_worker.sequencer import Sequenced, sequence_event
from sync_worker.synclog import refresh_data
from task_fragments.fragments import render_event

logger = logging.getLogger(__name__)

# One delivery per user at a time in this process: pushes leave in seq order, and a burst
# (both copies of every change, a "clear completed") costs no ETag retries; only separate
# instances still race, which the sequencer's compare-and-set settles.
_owner_lock = KeyedLocks()


# Dedupe keys this process has logged itself, newest last. A key here is certainly in its
# owner's log, so the second copy of a change (the outbox's, a second after the direct
# publish) is acknowledged without reading the log; a key not here still goes to the log,
# which stays the authority across instances.
RECENTLY_LOGGED_LIMIT = 10_000
_recently_logged: OrderedDict[tuple[int, str], None] = OrderedDict()


def forget_logged() -> None:
    """Empties that memory (tests: each starts with none)."""
    _recently_logged.clear()


def _remember_logged(owner: int, dedupe_key: str) -> None:
    _recently_logged[(owner, dedupe_key)] = None
    while len(_recently_logged) > RECENTLY_LOGGED_LIMIT:
        _recently_logged.popitem(last=False)


async def deliver_task_event(event: TaskEvent) -> Sequenced | None:
    """Logs `event` under its owner's next seq and pushes it; None for a duplicate.

    Raises DaprError when the log cannot be written (Dapr should redeliver). A failed
    push is only logged: the event is in the log, and tabs catch up from there.
    """
    return await _deliver(
        "task event", event.owner, event.dedupe_key, event.to_data(), lambda: render_event(event)
    )


async def deliver_user_event(event: UserEvent) -> Sequenced | None:
    """Logs a refresh entry for `event`'s user and pushes it: every tab re-fetches its list.

    None for a duplicate; raises DaprError like deliver_task_event.
    """
    return await _deliver(
        "user event", event.owner, event.dedupe_key, refresh_data(event.type), lambda: ""
    )


async def _deliver(
    what: str, owner: int, dedupe_key: str, data: dict[str, Any], render: Callable[[], str]
) -> Sequenced | None:
    if (owner, dedupe_key) in _recently_logged:
        logger.info(f"duplicate {what} ignored", extra={"dedupe_key": dedupe_key})
        return None
    async with _owner_lock(owner):
        sequenced = await sequence_event(owner, dedupe_key, data)
        _remember_logged(owner, dedupe_key)
        if sequenced is None:
            logger.info(f"duplicate {what} ignored", extra={"dedupe_key": dedupe_key})
            return None
        logger.info(
            f"{what} sequenced",
            extra={"dedupe_key": dedupe_key, "owner": owner, "seq": sequenced.event.seq},
        )
        try:
            await push_event(sequenced, render())
        except (RedisError, OSError):
            logger.warning(
                "push to open tabs failed; they catch up from the log",
                extra={"owner": owner, "seq": sequenced.event.seq},
                exc_info=True,
            )
    return sequenced
