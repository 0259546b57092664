"""The sealed trail in the audit store: keys, reading it whole, appending a batch.

Keys (keyPrefix none, the same for every app):
  audit-head              {"seq", "hash", "checkpoint"}: the chain's end and its last
                          signed checkpoint; written with its ETag in every append
  audit-genesis           the signed prune checkpoint the chain starts after (absent:
                          seq 0, zero hash)
  audit-record-<seq>      one sealed record
  audit-id-<record id>    its seq: an append skips records already sealed (redelivery)

An append is one transaction (records, their id keys, the head with the ETag read), so
competing sealers append in one order: a lost race is a DaprConflict, and the loser
re-reads the head and seals again after the winner.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from audit import chain
from audit.chain import GENESIS, Link
from common.dapr import state
from common.dapr.state import Delete, Upsert
from common.dapr_names import AUDIT_STORE

HEAD_KEY = "audit-head"
GENESIS_KEY = "audit-genesis"
SEQ_WIDTH = 12
READ_BATCH = 200


def record_key(seq: int) -> str:
    return f"audit-record-{seq:0{SEQ_WIDTH}d}"


def id_key(record_id: str) -> str:
    return f"audit-id-{record_id}"


@dataclass(frozen=True)
class Head:
    link: Link
    checkpoint: dict[str, Any] | None
    etag: str | None


async def read_head() -> Head:
    item = await state.get_item(AUDIT_STORE, HEAD_KEY)
    if item is None:
        genesis = await read_genesis()
        return Head(chain.GENESIS if genesis is None else _link(genesis), None, None)
    value = item.value
    return Head(Link(value["seq"], value["hash"]), value.get("checkpoint"), item.etag)


async def read_genesis() -> dict[str, Any] | None:
    item = await state.get_item(AUDIT_STORE, GENESIS_KEY)
    return None if item is None else dict(item.value)


def _link(checkpoint: dict[str, Any]) -> Link:
    return Link(int(checkpoint["seq"]), str(checkpoint["hash"]))


async def read_records(first: int, last: int) -> dict[int, dict[str, Any] | None]:
    """Records first … last by seq (None where a key is missing)."""
    found: dict[int, dict[str, Any] | None] = {}
    for start in range(first, last + 1, READ_BATCH):
        seqs = range(start, min(start + READ_BATCH, last + 1))
        values = await state.get_bulk(AUDIT_STORE, [record_key(seq) for seq in seqs])
        found.update({seq: values.get(record_key(seq)) for seq in seqs})
    return found


async def unsealed(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Those of `records` not sealed yet, each once (a batch may repeat one)."""
    sealed = await state.get_bulk(AUDIT_STORE, [id_key(r["id"]) for r in records])
    fresh: dict[str, dict[str, Any]] = {}
    for record in records:
        if id_key(record["id"]) not in sealed:
            fresh.setdefault(record["id"], record)
    return list(fresh.values())


def append_operations(
    head: Head, records: list[dict[str, Any]], checkpoint: dict[str, Any] | None
) -> tuple[list[dict[str, Any]], Link]:
    """The transaction appending `records` after `head`, and the new end of the chain."""
    operations: list[dict[str, Any]] = []
    link = head.link
    for record in records:
        sealed = chain.seal(record, link)
        link = chain.link_of(sealed)
        operations.append(Upsert(record_key(link.seq), sealed, overwrite=True).to_operation())
        operations.append(Upsert(id_key(record["id"]), link.seq, overwrite=True).to_operation())
    new_head = {"seq": link.seq, "hash": link.hash, "checkpoint": checkpoint or head.checkpoint}
    operations.append(Upsert(HEAD_KEY, new_head, etag=head.etag).to_operation())
    return operations, link


async def transact(operations: list[dict[str, Any]]) -> None:
    await state.transact(AUDIT_STORE, operations)


async def save_genesis(
    checkpoint: dict[str, Any], pruned: list[int], records: dict[int, Any]
) -> None:
    """Makes `checkpoint` the chain's start and deletes the records (and id keys) before it."""
    operations = [Upsert(GENESIS_KEY, checkpoint, overwrite=True).to_operation()]
    for seq in pruned:
        operations.append(Delete(record_key(seq)).to_operation())
        record = records.get(seq)
        if record is not None:
            operations.append(Delete(id_key(record["id"])).to_operation())
    await state.transact(AUDIT_STORE, operations)


def start_of(genesis: dict[str, Any] | None) -> Link:
    return GENESIS if genesis is None else _link(genesis)
