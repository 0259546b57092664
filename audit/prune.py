"""Retention: deleting the oldest records while the rest still verifies.

The last pruned record's (seq, hash) becomes the genesis. Before anything is deleted, an
`audit.prune` record naming that link is sealed into the chain (under the signed head),
so the pruning is itself recorded and verify accepts only a genesis the trail vouches for.
"""

from __future__ import annotations

import asyncio
import time

from audit import record, trail
from audit.chain import link_of
from audit.publish import send
from audit.verification import genesis_target, verify_trail
from common.dapr import state
from common.dapr_names import AUDIT_STORE

SEAL_WAIT_SECONDS = 60.0


class PruneNotSealed(RuntimeError):
    """The prune record did not reach the trail in time: nothing was deleted."""


async def prune_before(before_ms: int) -> int:
    """Deletes records older than `before_ms` (after verifying the trail); returns how many."""
    verified = await verify_trail()
    records = await trail.read_records(verified.start.seq + 1, verified.head.seq)
    old = [
        seq
        for seq in sorted(records)
        if (r := records[seq]) is not None and r["time_ms"] < before_ms
    ]
    # Only a prefix can go: the chain must stay contiguous.
    prefix = [seq for index, seq in enumerate(old) if seq == verified.start.seq + 1 + index]
    if not prefix:
        return 0
    last = records[prefix[-1]]
    assert last is not None
    genesis = link_of(last)
    note = record.build(
        "audit.prune",
        "audit_genesis",
        genesis_target(genesis),
        reason=f"{len(prefix)} records before {before_ms} ms",
        actor={"app_id": "manage.py"},
    )
    await send(note)
    await _sealed(note["id"])
    await trail.save_genesis({"seq": genesis.seq, "hash": genesis.hash}, prefix, records)
    return len(prefix)


async def _sealed(record_id: str) -> None:
    # The sealer answers no one: its only visible effect is the record's id key.
    deadline = time.monotonic() + SEAL_WAIT_SECONDS
    while await state.get_item(AUDIT_STORE, trail.id_key(record_id)) is None:
        if time.monotonic() > deadline:
            raise PruneNotSealed(f"prune record {record_id} not sealed in {SEAL_WAIT_SECONDS} s")
        await asyncio.sleep(0.5)
