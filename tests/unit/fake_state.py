"""An in-memory stand-in for common.state's get_item/save_item/transact/get_bulk, with
first-write ETags."""

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
        """All or nothing, as Dapr's transaction contract says."""
        if self.interleaved:
            self.put(*self.interleaved.pop(0))
        for operation in operations:
            request = operation["request"]
            if operation["operation"] == "upsert" and request["options"]["concurrency"] == (
                "first-write"
            ):
                self._check_etag(store, request["key"], request.get("etag"))
        self.saves += 1
        for operation in operations:
            request = operation["request"]
            if operation["operation"] == "delete":
                self.items.pop((store, request["key"]), None)
                continue
            self.put(store, request["key"], request["value"])
            if ttl := request.get("metadata", {}).get("ttlInSeconds"):
                self.ttls[(store, request["key"])] = int(ttl)

    async def get_bulk(self, store: str, keys: list[str]) -> dict[str, Any]:
        return {
            key: copy.deepcopy(self.items[(store, key)][0])
            for key in keys
            if (store, key) in self.items
        }

    def _check_etag(self, store: str, key: str, etag: str | None) -> None:
        current = self.items.get((store, key))
        if (current is None) != (etag is None) or (current and str(current[1]) != etag):
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
