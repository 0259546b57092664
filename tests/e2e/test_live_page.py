"""The page side of live sync (live.js) on messages injected into the page.

The messages go through the same htmx out-of-band machinery as the ws extension's, built from
fragments the real renderer (or the real server, through another tab) produced; no socket is
involved, so these run whether or not sync_worker pushes anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from playwright.sync_api import Page, expect

from common.task_events import Task, TaskEvent
from task_fragments.fragments import render_event
from tests.e2e.conftest import User, add_task, count, task

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.pubsub]


def seq_marker(seq: int, refresh: bool = False) -> str:
    extra = ' data-refresh="true"' if refresh else ""
    return f'<div id="sync-seq" data-seq="{seq}"{extra} hidden></div>'


def inject(page: Page, seq: int, fragment: str = "", refresh: bool = False) -> None:
    page.evaluate("m => window.liveSync.receive(m)", seq_marker(seq, refresh) + fragment)


def settled(page: Page) -> None:
    """Waits until htmx has no request in flight and no swap settling."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def shown_task(page: Page, title: str) -> Task:
    """The task as the page shows it, read back from its data attributes."""
    item = task(page, title)
    return Task(
        id=item.get_attribute("id").removeprefix("task-"),
        title=title,
        notes="",
        due=None,
        priority="normal",
        completed=item.get_attribute("data-completed") == "true",
        position=float(item.get_attribute("data-position")),
        version=int(item.get_attribute("data-version")),
        created_at="2026-01-01T00:00:00+00:00",
        updated_at="2026-01-01T00:00:00+00:00",
    )


def event(kind: str, shown: Task) -> str:
    return render_event(
        TaskEvent(type=kind, owner=1, task=shown, occurred_at="2026-01-01T00:00:00+00:00")
    )


def titles(page: Page) -> list[str]:
    return page.locator("#task-list > li.task .title").all_inner_texts()


def test_events_apply_in_order_once_and_by_version(sign_up: Callable[..., User]) -> None:
    page = sign_up(live=False).page
    add_task(page, "First")
    add_task(page, "Second")
    first, second = shown_task(page, "First"), shown_task(page, "Second")
    between = replace(first, id="elsewhere1", title="Between", position=first.position + 0.5)

    inject(page, 1, event("task.created", between))
    expect(page.locator("#task-list > li.task .title")).to_have_text(["First", "Between", "Second"])
    expect(count(page, "all")).to_have_text("3")

    done = replace(first, completed=True, version=first.version + 1)
    inject(page, 2, event("task.completed", done))
    expect(task(page, "First")).to_have_attribute("data-completed", "true")
    expect(count(page, "active")).to_have_text("2")
    expect(count(page, "completed")).to_have_text("1")

    # A repeated seq, and an equal version under a new seq, change nothing.
    inject(page, 2, event("task.updated", replace(done, title="Repeated seq", version=9)))
    inject(page, 3, event("task.updated", replace(second, title="Same version")))
    assert titles(page) == ["First", "Between", "Second"]

    # A delete of a task this tab never showed is a no-op that still advances the seq.
    inject(page, 4, event("task.deleted", replace(between, id="never-shown")))
    inject(page, 5, event("task.deleted", replace(between, version=2)))
    assert titles(page) == ["First", "Second"]
    expect(page.locator("#sync-seq")).to_have_attribute("data-seq", "5")
    assert page.evaluate("window.liveSync.lastSeq") == 5


def test_a_gap_asks_for_a_resync_and_waits(sign_up: Callable[..., User]) -> None:
    page = sign_up(live=False).page
    add_task(page, "Kept")
    kept = shown_task(page, "Kept")
    inject(page, 1, event("task.updated", replace(kept, version=kept.version + 1)))

    inject(page, 3, event("task.updated", replace(kept, title="Too early", version=9)))

    assert titles(page) == ["Kept"]
    assert page.evaluate("window.liveSync.lastSeq") == 1
    assert page.evaluate("window.liveSync.sent").pop() == {"type": "resync", "after": 1}


def test_a_move_elsewhere_reorders_the_list(sign_up: Callable[..., User]) -> None:
    page = sign_up(live=False).page
    for title in ("One", "Two", "Three"):
        add_task(page, title)
    three, one = shown_task(page, "Three"), shown_task(page, "One")

    moved = replace(three, position=one.position - 1, version=three.version + 1)
    inject(page, 1, event("task.updated", moved))

    expect(page.locator("#task-list > li.task .title")).to_have_text(["Three", "One", "Two"])


def test_a_refresh_refetches_the_list_and_takes_its_seq(sign_up: Callable[..., User]) -> None:
    user = sign_up(live=False)
    other_tab = user.open_tab()
    add_task(other_tab, "Made while this tab missed events")
    expect(task(user.page, "Made while this tab missed events")).to_have_count(0)

    inject(user.page, 42, refresh=True)

    expect(task(user.page, "Made while this tab missed events")).to_have_count(1)
    expect(count(user.page, "all")).to_have_text("1")
    expect(user.page.locator("#sync-seq")).to_have_attribute("data-seq", "42")


def test_a_change_elsewhere_keeps_the_typing_in_an_open_edit(
    sign_up: Callable[..., User],
) -> None:
    user = sign_up(live=False)
    page = user.page
    add_task(page, "Draft me")
    task(page, "Draft me").get_by_role("link", name="Edit").click()
    page.get_by_label("Title", exact=True).fill("My own words")

    other_tab = user.open_tab()
    task(other_tab, "Draft me").get_by_role("link", name="Edit").click()
    other_tab.get_by_label("Title", exact=True).fill("Changed in the other tab")
    other_tab.get_by_role("button", name="Save").click()
    changed = task(other_tab, "Changed in the other tab")
    expect(changed).to_have_attribute("data-version", "2")
    # What sync_worker would push: the server's own fragment of the new version.
    pushed = changed.evaluate("li => (li.setAttribute('hx-swap-oob', 'true'), li.outerHTML)")
    inject(page, 1, pushed)

    editing = page.locator("li.task.editing")
    expect(editing.get_by_role("alert")).to_contain_text("changed elsewhere")
    expect(page.get_by_label("Title", exact=True)).to_have_value("My own words")

    page.get_by_role("button", name="Save").click()
    expect(page.locator("#task-list .conflict")).to_contain_text("changed elsewhere")
    expect(task(page, "Changed in the other tab")).to_have_attribute("data-version", "2")


def test_cancel_after_a_change_elsewhere_shows_the_newest_version(
    sign_up: Callable[..., User],
) -> None:
    page = sign_up(live=False).page
    add_task(page, "Old title")
    shown = shown_task(page, "Old title")
    task(page, "Old title").get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Title", exact=True)).to_have_value("Old title")
    expect(page.locator("li.task.editing")).to_have_count(1)
    settled(page)

    newer = replace(shown, title="New title", version=shown.version + 1)
    inject(page, 1, event("task.updated", newer))
    page.get_by_role("link", name="Cancel").click()

    expect(task(page, "New title")).to_have_attribute("data-version", str(newer.version))
    expect(page.locator("li.task.editing")).to_have_count(0)


def test_a_push_keeps_the_keyboard_focus_on_the_same_control(
    sign_up: Callable[..., User],
) -> None:
    page = sign_up(live=False).page
    add_task(page, "Focused")
    shown = shown_task(page, "Focused")
    task(page, "Focused").get_by_role("button", name="Complete").focus()

    done = replace(shown, completed=True, version=shown.version + 1)
    inject(page, 1, event("task.completed", done))

    expect(task(page, "Focused")).to_have_attribute("data-completed", "true")
    expect(task(page, "Focused").get_by_role("button", name="Reopen")).to_be_focused()
