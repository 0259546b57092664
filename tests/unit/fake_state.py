"""An in-memory stand-in for the Dapr state gateway (get_item, save_item, transact,
get_bulk) that behaves like state.redis: first-write ETags, transactions without rollback."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from common.dapr import state
from common.dapr.errors import DaprConflict


class FakeStateStore:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], tuple[Any, int]] = {}
        # Writes another process makes just before ours (to provoke ETag races).
        self.interleaved: list[tuple[str, str, Any]] = []
        self.saves = 0
        # Keys saved with a TTL, and the TTL.
        self.ttls: dict[tuple[str, str], int] = {}
        # Stores whose transactions publish through Dapr's outbox, and what it published.
        self.outbox_stores: set[str] = set()
        self.outbox: list[Any] = []

    def put(self, store: str, key: str, value: Any) -> None:
        _, version = self.items.get((store, key), (None, 0))
        self.items[(store, key)] = (copy.deepcopy(value), version + 1)

    def value(self, store: str, key: str) -> Any:
        return self.items[(store, key)][0]

    async def get_item(self, store: str, key: str) -> state.StateItem | None:
        if (store, key) not in self.items:
            return None
        value, version = self.items[(store, key)]
        return state.StateItem(copy.deepcopy(value), str(version))

    async def save_item(
        self, store: str, key: str, value: Any, etag: str | None, ttl_seconds: int | None = None
    ) -> None:
        if self.interleaved:
            self.put(*self.interleaved.pop(0))
        self._check_etag(store, key, etag)
        self.saves += 1
        self.put(store, key, value)

    async def transact(self, store: str, operations: list[dict[str, Any]]) -> None:
        """As state.redis runs one (MULTI/EXEC): each operation on its own, no rollback.

        An upsert whose ETag is stale is skipped and the transaction then fails with
        DaprConflict, but every other operation has been applied; an upsert without an ETag
        is not checked at all. On an outbox store (`outbox_stores`) the outbox's marker
        commits whatever the ETags said, so each projection is published (`outbox`) even
        when the save beside it failed: the hazard the writers' lock exists for.
        """
        if self.interleaved:
            self.put(*self.interleaved.pop(0))
        self.saves += 1
        stale = []
        for operation in operations:
            request = operation["request"]
            metadata = request.get("metadata", {})
            if operation["operation"] == "delete":
                self.items.pop((store, request["key"]), None)
                continue
            if metadata.get("outbox.projection") == "true":
                if store in self.outbox_stores:
                    self.outbox.append(copy.deepcopy(request["value"]))
                continue
            etag = request.get("etag")
            first_write = request["options"]["concurrency"] == "first-write"
            if (
                first_write
                and etag is not None
                and not self._etag_matches(store, request["key"], etag)
            ):
                stale.append(request["key"])
                continue
            self.put(store, request["key"], request["value"])
            if ttl := metadata.get("ttlInSeconds"):
                self.ttls[(store, request["key"])] = int(ttl)
        if stale:
            raise DaprConflict(f"transaction: failed to set key {', '.join(stale)}")

    async def get_bulk(self, store: str, keys: list[str]) -> dict[str, Any]:
        return {
            key: copy.deepcopy(self.items[(store, key)][0])
            for key in keys
            if (store, key) in self.items
        }

    def _etag_matches(self, store: str, key: str, etag: str | None) -> bool:
        current = self.items.get((store, key))
        return (current is None) == (etag is None) and (current is None or str(current[1]) == etag)

    def _check_etag(self, store: str, key: str, etag: str | None) -> None:
        if not self._etag_matches(store, key, etag):
            raise DaprConflict(f"save {key}")

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(state, "get_item", self.get_item)
        monkeypatch.setattr(state, "save_item", self.save_item)
        monkeypatch.setattr(state, "transact", self.transact)
        monkeypatch.setattr(state, "get_bulk", self.get_bulk)


def logged_events(store: FakeStateStore, owner: int) -> list[dict[str, Any]]:
    """The stored entries of `owner`'s sync log, oldest first (as sync_worker stores them)."""
    from common.dapr_names import STATE_STORE
    from sync_worker.sequencer import event_key, log_key

    head = store.value(STATE_STORE, log_key(owner))
    return [store.value(STATE_STORE, event_key(owner, head["epoch"], k)) for k in head["keys"]]
