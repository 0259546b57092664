from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync

from audit import checkpoint, record, trail
from audit.chain import GENESIS, first_break
from bindings_worker import audit_sealer
from common.dapr import lock
from common.dapr_names import AUDIT_STORE
from tests.unit.fake_state import FakeStateStore

PRIVATE = checkpoint.new_private_key_pem()


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> FakeStateStore:
    fake = FakeStateStore()
    fake.install(monkeypatch)

    async def try_lock(resource_id: str, owner: str, expiry_seconds: int) -> bool:
        return True

    async def unlock(resource_id: str, owner: str) -> None:
        return None

    monkeypatch.setattr(lock, "try_lock", try_lock)
    monkeypatch.setattr(lock, "unlock", unlock)
    monkeypatch.setattr(audit_sealer, "_signing_key", PRIVATE)
    return fake


def records(count: int) -> list[dict[str, Any]]:
    return [record.build("task.created", "task", f"t{n}") for n in range(count)]


def test_batches_append_to_one_chain_under_a_signed_head(store: FakeStateStore) -> None:
    first, second = records(2), records(3)
    assert async_to_sync(audit_sealer.seal)(first) == 2
    assert async_to_sync(audit_sealer.seal)(second) == 3
    head = async_to_sync(trail.read_head)()
    assert head.link.seq == 5
    sealed = async_to_sync(trail.read_records)(1, 5)
    assert first_break(sealed, GENESIS, head.link) is None
    assert head.checkpoint is not None
    public = checkpoint.public_key_pem(PRIVATE)
    assert checkpoint.verify(public, head.checkpoint) == head.link


def test_a_redelivered_record_is_not_sealed_twice(store: FakeStateStore) -> None:
    batch = records(2)
    async_to_sync(audit_sealer.seal)(batch)
    assert async_to_sync(audit_sealer.seal)([*batch, batch[0]]) == 0
    assert async_to_sync(trail.read_head)().link.seq == 2
    assert async_to_sync(store.get_item)(AUDIT_STORE, trail.record_key(3)) is None
