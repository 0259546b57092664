"""The per-user log: consecutive seqs, bounded length, catch-up or refresh."""

from __future__ import annotations

import pytest

from sync_worker.synclog import (
    LOG_LENGTH,
    CatchUp,
    CorruptLog,
    LoggedEvent,
    SyncLog,
    refresh_data,
)


class Filled:
    """A log and every event appended to it (the entries a store would hold)."""

    def __init__(self, count: int) -> None:
        self.log = SyncLog()
        self.events: dict[str, LoggedEvent] = {}
        for n in range(1, count + 1):
            self.append(f"t:{n}", {"n": n})

    def append(self, dedupe_key: str, data: dict) -> LoggedEvent:
        appended = self.log.append(dedupe_key, data)
        self.events[dedupe_key] = appended.event
        if appended.dropped is not None:
            del self.events[appended.dropped]
        return appended.event

    def since(self, after: int) -> CatchUp:
        return self.log.since(after, self.events)


def test_append_numbers_events_consecutively_and_starts_an_epoch() -> None:
    log = SyncLog()
    first, second = log.append("a:1", {}), log.append("a:2", {})
    assert (first.event.seq, second.event.seq, log.seq) == (1, 2, 2)
    assert (first.dropped, second.dropped) == (None, None)
    assert log.epoch


def test_append_keeps_the_newest_events_only_and_names_the_one_dropped() -> None:
    filled = Filled(LOG_LENGTH)
    appended = filled.log.append("t:new", {})
    assert appended.dropped == "t:1"
    assert len(filled.log.keys) == LOG_LENGTH
    assert (filled.log.keys[0], filled.log.keys[-1]) == ("t:2", "t:new")


def test_contains_finds_logged_dedupe_keys() -> None:
    log = Filled(2).log
    assert (log.contains("t:2"), log.contains("t:3")) == (True, False)


def test_wanted_names_the_events_after() -> None:
    assert Filled(5).log.wanted(2) == ["t:3", "t:4", "t:5"]
    assert Filled(5).log.wanted(5) == []
    assert Filled(LOG_LENGTH + 5).log.wanted(4) is None


def test_since_returns_the_events_after() -> None:
    catch_up = Filled(5).since(2)
    assert catch_up.refresh is False
    assert catch_up.seq == 5
    assert [(e.seq, e.dedupe_key) for e in catch_up.events] == [(3, "t:3"), (4, "t:4"), (5, "t:5")]


def test_since_from_zero_returns_everything_while_nothing_was_dropped() -> None:
    assert [e.seq for e in Filled(3).since(0).events] == [1, 2, 3]


def test_since_the_current_seq_returns_nothing() -> None:
    catch_up = Filled(3).since(3)
    assert catch_up == CatchUp(refresh=False, seq=3, events=())


def test_since_the_newest_dropped_seq_still_catches_up() -> None:
    filled = Filled(LOG_LENGTH + 5)
    assert [e.seq for e in filled.since(5).events][:1] == [6]


def test_since_an_older_seq_than_the_log_holds_refreshes() -> None:
    catch_up = Filled(LOG_LENGTH + 5).since(4)
    assert catch_up == CatchUp(refresh=True, seq=LOG_LENGTH + 5)


def test_since_a_seq_ahead_of_the_log_refreshes() -> None:
    catch_up = Filled(3).since(8)
    assert catch_up == CatchUp(refresh=True, seq=3)


def test_since_on_an_empty_log() -> None:
    assert SyncLog().since(0, {}).refresh is False
    assert SyncLog().since(1, {}).refresh is True


def test_a_missing_event_makes_catch_up_a_refresh() -> None:
    filled = Filled(4)
    del filled.events["t:3"]  # expired, or never written
    assert filled.since(1) == CatchUp(refresh=True, seq=4)
    assert [e.seq for e in filled.since(3).events] == [4]


def test_an_event_with_another_seq_than_its_place_makes_catch_up_a_refresh() -> None:
    filled = Filled(3)
    filled.events["t:2"] = LoggedEvent(7, "t:2", {"n": 2})  # a stale writer's entry
    assert filled.since(0) == CatchUp(refresh=True, seq=3)


def test_state_round_trip() -> None:
    log = Filled(3).log
    assert SyncLog.from_state(log.to_state()) == log


@pytest.mark.parametrize(
    "raw",
    [
        None,
        [],
        {"epoch": "e", "seq": 1},
        {"epoch": "e", "seq": "1", "keys": []},
        {"epoch": "e", "seq": 1, "keys": [1]},
        {"epoch": "e", "seq": 1, "keys": ["a", "b"]},
        # The log's earlier format (every event inside the head) starts a new log.
        {"epoch": "e", "seq": 1, "events": [{"seq": 1, "dedupe_key": "k", "data": {}}]},
    ],
)
def test_from_state_rejects_other_shapes(raw: object) -> None:
    with pytest.raises(CorruptLog):
        SyncLog.from_state(raw)


def test_logged_event_state_round_trip() -> None:
    event = LoggedEvent(4, "t:2", {"type": "task.created"})
    assert LoggedEvent.from_state(event.to_state()) == event


@pytest.mark.parametrize("raw", [None, {"seq": 1}, {"seq": "1", "dedupe_key": "k", "data": {}}])
def test_logged_event_from_state_rejects_other_shapes(raw: object) -> None:
    with pytest.raises(CorruptLog):
        LoggedEvent.from_state(raw)


def test_a_refresh_entry_after_the_tab_s_seq_makes_catch_up_a_refresh() -> None:
    filled = Filled(2)
    refresh = filled.append("user-event:e1", refresh_data("user.preferences_changed"))
    filled.append("t:4", {"n": 4})
    assert refresh.is_refresh
    assert filled.since(1) == CatchUp(refresh=True, seq=4)
    assert [e.seq for e in filled.since(3).events] == [4]
