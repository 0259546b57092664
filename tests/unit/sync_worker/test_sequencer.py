"""Sequencing: one seq per distinct event, compare-and-set against concurrent instances."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync

from common.dapr import state
from common.dapr.errors import DaprConflict
from common.dapr_names import STATE_STORE
from sync_worker.sequencer import (
    EVENT_TTL_SECONDS,
    SequencerBusy,
    event_key,
    load_catch_up,
    load_log,
    log_key,
    sequence_event,
)
from sync_worker.synclog import LOG_LENGTH, SyncLog
from tests.unit.fake_state import FakeStateStore, logged_events


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> FakeStateStore:
    fake = FakeStateStore()
    fake.install(monkeypatch)
    return fake


def test_sequence_event_numbers_a_users_events(store: FakeStateStore) -> None:
    first = async_to_sync(sequence_event)(7, "a:1", {"k": "a:1"})
    second = async_to_sync(sequence_event)(7, "a:2", {"k": "a:2"})
    assert first is not None
    assert second is not None
    assert (first.event.seq, second.event.seq) == (1, 2)
    assert first.epoch == second.epoch != ""
    assert store.value(STATE_STORE, log_key(7))["seq"] == 2


def test_sequence_event_keeps_users_apart(store: FakeStateStore) -> None:
    async_to_sync(sequence_event)(7, "a:1", {"k": "a:1"})
    other = async_to_sync(sequence_event)(8, "b:1", {"k": "b:1"})
    assert other is not None
    assert other.event.seq == 1


def test_sequence_event_ignores_a_duplicate(store: FakeStateStore) -> None:
    async_to_sync(sequence_event)(7, "a:1", {"k": "a:1"})
    saves = store.saves
    assert async_to_sync(sequence_event)(7, "a:1", {"k": "a:1"}) is None
    assert store.value(STATE_STORE, log_key(7))["seq"] == 1
    assert store.saves == saves


def test_sequence_event_retries_after_a_lost_race(store: FakeStateStore) -> None:
    async_to_sync(sequence_event)(7, "a:1", {"k": "a:1"})
    rival = SyncLog.from_state(store.value(STATE_STORE, log_key(7)))
    rival.append("a:2", {})
    store.interleaved.append((STATE_STORE, log_key(7), rival.to_state()))
    sequenced = async_to_sync(sequence_event)(7, "a:3", {"k": "a:3"})
    assert sequenced is not None
    assert sequenced.event.seq == 3
    assert store.value(STATE_STORE, log_key(7))["keys"] == ["a:1", "a:2", "a:3"]
    assert store.value(STATE_STORE, event_key(7, sequenced.epoch, "a:3"))["seq"] == 3


def test_each_event_is_its_own_entry_and_expires(store: FakeStateStore) -> None:
    sequenced = async_to_sync(sequence_event)(7, "a:1", {"k": "a:1"})
    assert sequenced is not None
    key = event_key(7, sequenced.epoch, "a:1")
    assert store.value(STATE_STORE, key) == {"seq": 1, "dedupe_key": "a:1", "data": {"k": "a:1"}}
    assert store.ttls[(STATE_STORE, key)] == EVENT_TTL_SECONDS


def test_the_event_that_falls_out_of_the_log_is_deleted(store: FakeStateStore) -> None:
    for n in range(1, LOG_LENGTH + 2):
        sequenced = async_to_sync(sequence_event)(7, f"a:{n}", {"n": n})
    assert sequenced is not None
    assert (STATE_STORE, event_key(7, sequenced.epoch, "a:1")) not in store.items
    assert (STATE_STORE, event_key(7, sequenced.epoch, "a:2")) in store.items
    assert len(logged_events(store, 7)) == LOG_LENGTH


def test_load_catch_up_reads_the_events_after(store: FakeStateStore) -> None:
    for n in range(1, 4):
        async_to_sync(sequence_event)(7, f"a:{n}", {"n": n})
    log, catch_up = async_to_sync(load_catch_up)(7, 1)
    assert log.seq == catch_up.seq == 3
    assert [(e.seq, e.data) for e in catch_up.events] == [(2, {"n": 2}), (3, {"n": 3})]


def test_load_catch_up_over_a_corrupt_entry_is_a_refresh(store: FakeStateStore) -> None:
    sequenced = async_to_sync(sequence_event)(7, "a:1", {"n": 1})
    assert sequenced is not None
    store.put(STATE_STORE, event_key(7, sequenced.epoch, "a:1"), {"nonsense": True})
    _log, catch_up = async_to_sync(load_catch_up)(7, 0)
    assert catch_up.refresh


def test_sequence_event_drops_a_duplicate_logged_by_the_rival(store: FakeStateStore) -> None:
    rival = SyncLog()
    rival.append("a:1", {})
    store.interleaved.append((STATE_STORE, log_key(7), rival.to_state()))
    assert async_to_sync(sequence_event)(7, "a:1", {"k": "a:1"}) is None


def test_sequence_event_gives_up_when_always_beaten(
    store: FakeStateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def always_beaten(*args: object, **kwargs: object) -> None:
        raise DaprConflict("lost")

    monkeypatch.setattr(state, "transact", always_beaten)
    with pytest.raises(SequencerBusy):
        async_to_sync(sequence_event)(7, "a:1", {"k": "a:1"})


def test_sequence_event_starts_over_from_a_corrupt_log(store: FakeStateStore) -> None:
    store.put(STATE_STORE, log_key(7), {"nonsense": True})
    sequenced = async_to_sync(sequence_event)(7, "a:1", {"k": "a:1"})
    assert sequenced is not None
    assert sequenced.event.seq == 1


def test_load_log_of_a_new_user_is_empty(store: FakeStateStore) -> None:
    assert async_to_sync(load_log)(7) == SyncLog()
