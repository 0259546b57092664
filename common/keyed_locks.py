"""In-process locks by key: one coroutine at a time per key in this process.

Cheaper than a distributed lock and fair (FIFO), so concurrent work on one key inside one
process queues here instead of polling a shared lock; the shared lock or the ETag then only
arbitrates between processes.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Hashable


class KeyedLocks:
    """asyncio.Locks created on first use and dropped once nobody holds or awaits them."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[Hashable, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def __call__(self, key: Hashable) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock
