"""The hash chain: each sealed record carries its predecessor's hash and its own.

A record's hash is the SHA-256 of its canonical JSON (sorted keys, no spaces, UTF-8)
without the `hash` member itself. Changing a record breaks its own hash; deleting,
inserting or reordering breaks a `seq` or a `prev_hash` link. The chain starts at a
genesis (seq 0 and an all-zero hash, or the last pruned record's seq and hash).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Link:
    """Where the chain ends so far: the last record's seq and hash."""

    seq: int
    hash: str


GENESIS = Link(0, GENESIS_HASH)


@dataclass(frozen=True)
class Break:
    """The first record (by seq) at which the chain does not hold, and why."""

    seq: int
    record_id: str | None
    reason: str

    def __str__(self) -> str:
        return f"record seq {self.seq} (id {self.record_id}): {self.reason}"


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(sealed: dict[str, Any]) -> str:
    return hashlib.sha256(canonical({k: v for k, v in sealed.items() if k != "hash"})).hexdigest()


def seal(record: dict[str, Any], after: Link) -> dict[str, Any]:
    """`record` appended after `after`: with seq, prev_hash and its own hash."""
    sealed = {**record, "seq": after.seq + 1, "prev_hash": after.hash}
    sealed["hash"] = digest(sealed)
    return sealed


def link_of(sealed: dict[str, Any]) -> Link:
    return Link(sealed["seq"], sealed["hash"])


def first_break(records: dict[int, dict[str, Any] | None], start: Link, head: Link) -> Break | None:
    """Checks records start.seq+1 … head.seq (by the seq of the key each was read from)."""
    previous = start
    for seq in range(start.seq + 1, head.seq + 1):
        sealed = records.get(seq)
        if sealed is None:
            return Break(seq, None, "missing (deleted?)")
        record_id = sealed.get("id")
        if sealed.get("seq") != seq:
            return Break(seq, record_id, f"carries seq {sealed.get('seq')} (moved or inserted)")
        if sealed.get("prev_hash") != previous.hash:
            return Break(seq, record_id, "prev_hash does not match its predecessor's hash")
        if digest(sealed) != sealed.get("hash"):
            return Break(seq, record_id, "hash does not match its content (changed)")
        previous = link_of(sealed)
    if previous != head:
        return Break(head.seq, None, "the head does not match the last record")
    return None
