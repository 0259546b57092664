from __future__ import annotations

from typing import Any

from audit import chain
from audit.chain import GENESIS, Link


def sealed_chain(count: int) -> dict[int, dict[str, Any]]:
    records, link = {}, GENESIS
    for n in range(count):
        sealed = chain.seal({"id": f"r{n}", "action": "task.created", "time_ms": n}, link)
        link = chain.link_of(sealed)
        records[sealed["seq"]] = sealed
    return records


def head_of(records: dict[int, dict[str, Any]]) -> Link:
    return chain.link_of(records[max(records)])


def test_seal_links_each_record_to_its_predecessor() -> None:
    records = sealed_chain(3)
    assert [r["seq"] for r in records.values()] == [1, 2, 3]
    assert records[1]["prev_hash"] == chain.GENESIS_HASH
    assert records[2]["prev_hash"] == records[1]["hash"]
    assert chain.first_break(dict(records), GENESIS, head_of(records)) is None


def test_canonical_json_ignores_key_order() -> None:
    assert chain.canonical({"b": 1, "a": "é"}) == chain.canonical({"a": "é", "b": 1})


def test_a_changed_record_is_named() -> None:
    records = sealed_chain(4)
    head = head_of(records)
    records[2] = {**records[2], "action": "task.deleted"}
    broken = chain.first_break(dict(records), GENESIS, head)
    assert broken is not None
    assert (broken.seq, broken.record_id) == (2, "r1")
    assert "changed" in broken.reason


def test_a_deleted_record_is_named() -> None:
    records: dict[int, Any] = dict(sealed_chain(4))
    head = head_of(records)
    records[3] = None
    broken = chain.first_break(records, GENESIS, head)
    assert broken is not None
    assert broken.seq == 3


def test_swapped_records_are_detected() -> None:
    records = sealed_chain(4)
    head = head_of(records)
    records[2], records[3] = records[3], records[2]
    broken = chain.first_break(dict(records), GENESIS, head)
    assert broken is not None
    assert broken.seq == 2


def test_an_inserted_record_with_recomputed_hash_breaks_the_next_link() -> None:
    records = sealed_chain(3)
    head = head_of(records)
    forged = chain.seal(
        {"id": "forged", "action": "task.created", "time_ms": 9}, chain.link_of(records[1])
    )
    records[2] = forged
    broken = chain.first_break(dict(records), GENESIS, head)
    assert broken is not None
    assert broken.seq == 3


def test_a_truncated_chain_does_not_match_its_head() -> None:
    records = sealed_chain(3)
    head = head_of(records)
    del records[3]
    shorter = chain.first_break(dict(records), GENESIS, head)
    assert shorter is not None
    assert shorter.seq == 3
