"""Checking the whole trail: chain links, the head's signed checkpoint, the genesis.

A prune leaves a genesis (the last pruned record's seq and hash); it is trusted only if
a sealed `audit.prune` record in the remaining chain names exactly that link, so no one
can cut records off the front unrecorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from audit import checkpoint, trail
from audit.chain import Break, Link, first_break


@dataclass(frozen=True)
class Verified:
    start: Link
    head: Link


class TrailBroken(Exception):
    """The trail does not verify; the message names the first broken record."""


def genesis_target(link: Link) -> str:
    return f"{link.seq}:{link.hash}"


def verify_key() -> bytes:
    path = settings.AUDIT_VERIFY_KEY_FILE
    if not path:
        raise TrailBroken("AUDIT_VERIFY_KEY_FILE is not set: cannot check checkpoint signatures")
    return Path(path).read_bytes()


async def verify_trail() -> Verified:
    """The verified range of the trail; raises TrailBroken naming what broke."""
    public = verify_key()
    head = await trail.read_head()
    start = trail.start_of(await trail.read_genesis())
    records = await trail.read_records(start.seq + 1, head.link.seq + 1)
    beyond = records.pop(head.link.seq + 1, None)
    broken: Break | None = first_break(records, start, head.link)
    if broken is not None:
        raise TrailBroken(f"first broken record: {broken}")
    if beyond is not None:
        raise TrailBroken(
            f"first broken record: record seq {head.link.seq + 1} (id {beyond.get('id')}): "
            "lies beyond the head (inserted)"
        )
    if head.link.seq > start.seq:
        if head.checkpoint is None:
            raise TrailBroken("the head carries no signed checkpoint")
        try:
            signed = checkpoint.verify(public, head.checkpoint)
        except checkpoint.BadCheckpoint as bad:
            raise TrailBroken(str(bad)) from bad
        if signed != head.link:
            raise TrailBroken(
                f"the signed checkpoint is at seq {signed.seq}, the head at {head.link.seq}"
            )
    if start.seq > 0:
        wanted = genesis_target(start)
        if not any(
            r and r.get("action") == "audit.prune" and (r.get("target") or {}).get("id") == wanted
            for r in records.values()
        ):
            raise TrailBroken(f"the genesis at seq {start.seq} has no sealed prune record")
    return Verified(start, head.link)
