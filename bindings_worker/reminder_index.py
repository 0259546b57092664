"""Per-owner index of open tasks with a due date and their reminder status.

Written by each task's actor (so concurrently for one owner, hence ETag retries); read by
/api/reminders and the daily digest. Key: `reminders-<owner>` in bindings-worker's state.
"""

from __future__ import annotations

from typing import Any

from bindings_worker import state

ATTEMPTS = 10


class IndexContended(RuntimeError):
    """Too many concurrent writers; the caller retries later."""


def index_key(owner: int) -> str:
    return f"reminders-{owner}"


async def entries(owner: int) -> list[dict[str, Any]]:
    """The owner's entries, soonest due first."""
    value, _ = await state.get(index_key(owner))
    return sorted((value or {}).values(), key=lambda entry: entry.get("due") or "")


async def put(owner: int, task_id: str, entry: dict[str, Any] | None) -> None:
    """Sets (or with None removes) one task's entry."""
    for _ in range(ATTEMPTS):
        value, etag = await state.get(index_key(owner))
        index = dict(value or {})
        if index.get(task_id) == entry or (entry is None and task_id not in index):
            return
        if entry is None:
            index.pop(task_id)
        else:
            index[task_id] = entry
        try:
            await state.save(index_key(owner), index, etag)
        except state.StateConflict:
            continue
        return
    raise IndexContended(index_key(owner))
