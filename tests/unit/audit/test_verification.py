from __future__ import annotations

from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.test import override_settings

from audit import chain, checkpoint, record, trail
from audit.chain import GENESIS
from audit.verification import TrailBroken, verify_trail
from common.dapr.state import Upsert
from common.dapr_names import AUDIT_STORE
from tests.unit.fake_state import FakeStateStore

PRIVATE = checkpoint.new_private_key_pem()


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeStateStore:
    fake = FakeStateStore()
    fake.install(monkeypatch)
    key_file = tmp_path / "verify.pem"
    key_file.write_bytes(checkpoint.public_key_pem(PRIVATE))
    with override_settings(AUDIT_VERIFY_KEY_FILE=str(key_file)):
        yield fake


def write_chain(actions: list[str], signing_key: bytes | None) -> None:
    """Seals `actions` from the genesis and writes records and head (signed if a key)."""
    operations, link = [], GENESIS
    for action in actions:
        sealed = chain.seal(record.build(action, "task", "t"), link)
        link = chain.link_of(sealed)
        operations.append(Upsert(trail.record_key(link.seq), sealed, overwrite=True).to_operation())
    signed = checkpoint.sign(signing_key, link) if signing_key else None
    head = {"seq": link.seq, "hash": link.hash, "checkpoint": signed}
    operations.append(Upsert(trail.HEAD_KEY, head, overwrite=True).to_operation())
    async_to_sync(trail.transact)(operations)


def test_an_honest_trail_verifies(store: FakeStateStore) -> None:
    write_chain(["task.created", "task.deleted"], PRIVATE)
    assert async_to_sync(verify_trail)().head.seq == 2


def test_a_rewritten_chain_without_the_key_does_not_verify(store: FakeStateStore) -> None:
    # A forger who recomputes every hash still cannot sign the new head.
    write_chain(["task.created", "task.deleted"], checkpoint.new_private_key_pem())
    with pytest.raises(TrailBroken, match="does not verify"):
        async_to_sync(verify_trail)()


def test_an_unsigned_head_does_not_verify(store: FakeStateStore) -> None:
    write_chain(["task.created"], None)
    with pytest.raises(TrailBroken, match="no signed checkpoint"):
        async_to_sync(verify_trail)()


def test_a_genesis_without_a_sealed_prune_record_does_not_verify(store: FakeStateStore) -> None:
    write_chain(["task.created", "task.updated"], PRIVATE)
    first = async_to_sync(trail.read_records)(1, 1)[1]
    assert first is not None
    cut = {"seq": 1, "hash": first["hash"]}
    async_to_sync(trail.save_genesis)(cut, [1], {1: first})
    with pytest.raises(TrailBroken, match="no sealed prune record"):
        async_to_sync(verify_trail)()
    assert async_to_sync(store.get_item)(AUDIT_STORE, trail.record_key(1)) is None
