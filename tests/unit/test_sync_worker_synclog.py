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


def filled(count: int) -> SyncLog:
    log = SyncLog()
    for n in range(1, count + 1):
        log.append(f"t:{n}", {"n": n})
    return log


def test_append_numbers_events_consecutively_and_starts_an_epoch() -> None:
    log = SyncLog()
    first, second = log.append("a:1", {}), log.append("a:2", {})
    assert (first.seq, second.seq, log.seq) == (1, 2, 2)
    assert log.epoch


def test_append_keeps_the_newest_events_only() -> None:
    log = filled(LOG_LENGTH + 5)
    assert len(log.events) == LOG_LENGTH
    assert (log.events[0].seq, log.events[-1].seq) == (6, LOG_LENGTH + 5)


def test_contains_finds_logged_dedupe_keys() -> None:
    log = filled(2)
    assert (log.contains("t:2"), log.contains("t:3")) == (True, False)


def test_since_returns_the_events_after() -> None:
    catch_up = filled(5).since(2)
    assert not catch_up.refresh
    assert [e.seq for e in catch_up.events] == [3, 4, 5]
    assert catch_up.seq == 5


def test_since_from_zero_returns_everything_while_nothing_was_dropped() -> None:
    assert [e.seq for e in filled(3).since(0).events] == [1, 2, 3]


def test_since_the_current_seq_returns_nothing() -> None:
    catch_up = filled(3).since(3)
    assert (catch_up.refresh, catch_up.events) == (False, ())


def test_since_the_newest_dropped_seq_still_catches_up() -> None:
    log = filled(LOG_LENGTH + 5)
    assert [e.seq for e in log.since(5).events][:1] == [6]


def test_since_an_older_seq_than_the_log_holds_refreshes() -> None:
    catch_up = filled(LOG_LENGTH + 5).since(4)
    assert (catch_up.refresh, catch_up.seq, catch_up.events) == (True, LOG_LENGTH + 5, ())


def test_since_a_seq_ahead_of_the_log_refreshes() -> None:
    catch_up = filled(3).since(8)
    assert (catch_up.refresh, catch_up.seq) == (True, 3)


def test_since_on_an_empty_log() -> None:
    assert SyncLog().since(0).refresh is False
    assert SyncLog().since(1).refresh is True


def test_state_round_trip() -> None:
    log = filled(3)
    assert SyncLog.from_state(log.to_state()) == log


@pytest.mark.parametrize(
    "raw",
    [
        None,
        [],
        {"epoch": "e", "seq": 1},
        {"epoch": "e", "seq": "1", "events": []},
        {"epoch": "e", "seq": 1, "events": [{"seq": 1}]},
        {"epoch": "e", "seq": 1, "events": [{"seq": "1", "dedupe_key": "k", "data": {}}]},
    ],
)
def test_from_state_rejects_other_shapes(raw: object) -> None:
    with pytest.raises(CorruptLog):
        SyncLog.from_state(raw)


def test_logged_event_state_round_trip() -> None:
    event = LoggedEvent(4, "t:2", {"type": "task.created"})
    assert LoggedEvent.from_state(event.to_state()) == event


def test_a_refresh_entry_after_the_tab_s_seq_makes_catch_up_a_refresh() -> None:
    log = filled(2)
    refresh = log.append("user-event:e1", refresh_data("user.preferences_changed"))
    log.append("t:4", {"n": 4})
    assert refresh.is_refresh
    assert log.since(1) == CatchUp(refresh=True, seq=4)
    assert [e.seq for e in log.since(3).events] == [4]
