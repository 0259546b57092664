"""An in-memory stand-in for common.state's get_item/save_item, with first-write ETags."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from common import state


class FakeStateStore:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], tuple[Any, int]] = {}
        # Writes another process makes just before ours (to provoke ETag races).
        self.interleaved: list[tuple[str, str, Any]] = []
        self.saves = 0

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
        current = self.items.get((store, key))
        if (current is None) != (etag is None) or (current and str(current[1]) != etag):
            raise state.ETagMismatch(f"save {key}")
        self.saves += 1
        self.put(store, key, value)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(state, "get_item", self.get_item)
        monkeypatch.setattr(state, "save_item", self.save_item)
