from __future__ import annotations

import dataclasses

import pytest

from webapp.todo.tasklist import (
    MAX_REMEMBERED_REQUESTS,
    TaskList,
    TaskNotFound,
    TooManyTasks,
    VersionConflict,
)


def new_list(*titles: str) -> TaskList:
    task_list = TaskList.empty(owner=7)
    for title in titles:
        task_list.create({"title": title}, "UTC")
    return task_list


def test_create_appends_at_the_end_with_version_1() -> None:
    task_list = new_list("a", "b")
    change = task_list.create({"title": "c", "priority": "high"}, "Europe/Berlin")
    assert change.event.type == "task.created"
    assert change.event.owner == 7
    assert change.event.time_zone == "Europe/Berlin"
    assert [t.title for t in task_list.ordered()] == ["a", "b", "c"]
    assert (change.task.version, change.task.priority) == (1, "high")


def test_update_with_stale_version_is_a_conflict_carrying_the_current_task() -> None:
    task_list = new_list("a")
    (task,) = task_list.ordered()
    task_list.update(task.id, 1, {"title": "a2"}, "UTC")
    with pytest.raises(VersionConflict) as conflict:
        task_list.update(task.id, 1, {"title": "stale"}, "UTC")
    assert (conflict.value.current.title, conflict.value.current.version) == ("a2", 2)


def test_complete_reopen_and_delete_emit_their_event_types() -> None:
    task_list = new_list("a")
    (task,) = task_list.ordered()
    assert task_list.set_completed(task.id, 1, True, "UTC").event.type == "task.completed"
    assert task_list.set_completed(task.id, 2, False, "UTC").event.type == "task.reopened"
    deleted = task_list.delete(task.id, 3, "UTC")
    assert (deleted.event.type, deleted.task.version) == ("task.deleted", 4)
    with pytest.raises(TaskNotFound):
        task_list.get(task.id)


def test_move_changes_only_the_moved_task() -> None:
    task_list = new_list("a", "b", "c")
    a, b, c = task_list.ordered()
    change = task_list.move(c.id, 1, "up", "UTC")
    assert [t.title for t in task_list.ordered()] == ["a", "c", "b"]
    assert task_list.get(a.id).version == 1
    assert task_list.get(b.id).version == 1
    assert change.task.version == 2
    task_list.move(c.id, 2, "up", "UTC")
    assert [t.title for t in task_list.ordered()] == ["c", "a", "b"]


def test_list_is_bounded() -> None:
    task_list = TaskList.empty(owner=1)
    for i in range(500):
        task_list.create({"title": f"t{i}"}, "UTC")
    with pytest.raises(TooManyTasks):
        task_list.create({"title": "one too many"}, "UTC")


def test_remembered_requests_are_bounded_and_replayable() -> None:
    task_list = new_list()
    for i in range(MAX_REMEMBERED_REQUESTS + 5):
        change = task_list.create({"title": f"t{i}"}, "UTC")
        task_list.remember(f"key-{i}", change)
    assert len(task_list.applied) == MAX_REMEMBERED_REQUESTS
    assert task_list.replay("key-0") is None
    last = MAX_REMEMBERED_REQUESTS + 4
    assert task_list.replay(f"key-{last}") == (change.task.id, 1, "task.created")


def test_state_round_trip_keeps_order_and_requests() -> None:
    task_list = new_list("a", "b")
    task_list.remember("k", task_list.create({"title": "c"}, "UTC"))
    again = TaskList.from_state(7, task_list.to_state())
    assert again.ordered() == task_list.ordered()
    assert again.replay("k") == task_list.replay("k")
    assert again.counts() == {"all": 3, "active": 3, "completed": 0}


def test_a_stored_task_has_every_field_and_nothing_else() -> None:
    [task] = new_list("a").ordered()
    assert task.to_dict() == dataclasses.asdict(task)
