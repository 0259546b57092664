"""Live sync end to end: tabs follow each other's changes through sync_worker's pushes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.conftest import (
    User,
    add_task,
    count,
    create_complete_delete,
    expect_live,
    task,
)

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.pubsub]

# Records every state the connection indicator shows, to check the way back to live.
RECORD_CONNECTION_STATES = """
window.connectionStates = [];
document.addEventListener("DOMContentLoaded", () => {
  const status = document.getElementById("connection-status");
  const record = () => window.connectionStates.push(status.dataset.state);
  record();
  new MutationObserver(record).observe(status, { attributeFilter: ["data-state"] });
});
"""


def test_a_change_in_one_tab_appears_in_the_other(sign_up: Callable[..., User]) -> None:
    user = sign_up()
    first, second = user.page, user.open_tab()
    expect_live(first)
    expect_live(second)

    create_complete_delete(first, "Water the plants", observer=second)


def test_another_users_tab_sees_none_of_it(sign_up: Callable[..., User]) -> None:
    alice, bob = sign_up(), sign_up()
    alice_second_tab = alice.open_tab()
    for page in (alice.page, alice_second_tab, bob.page):
        expect_live(page)

    add_task(alice.page, "Alice's secret")
    # Alice's push has gone out once her other tab shows it; Bob's own change comes later.
    expect(task(alice_second_tab, "Alice's secret")).to_have_count(1)
    add_task(bob.page, "Bob's errand")
    bob_tab = bob.open_tab()
    expect(task(bob_tab, "Bob's errand")).to_have_count(1)

    for page in (bob.page, bob_tab):
        expect(task(page, "Alice's secret")).to_have_count(0)
        expect(count(page, "all")).to_have_text("1")


def test_a_tab_that_was_offline_catches_up(
    sign_up: Callable[..., User], new_context: Callable[..., BrowserContext]
) -> None:
    user = sign_up()
    elsewhere = new_context(storage_state=user.context.storage_state())
    elsewhere.add_init_script(RECORD_CONNECTION_STATES)
    offline_tab = elsewhere.new_page()
    offline_tab.goto("/")
    expect_live(offline_tab)
    expect_live(user.page)

    elsewhere.set_offline(True)
    expect(offline_tab.locator("#connection-status")).to_have_attribute("data-state", "offline")
    add_task(user.page, "Made while you were away")
    elsewhere.set_offline(False)

    expect_live(offline_tab)
    expect(task(offline_tab, "Made while you were away")).to_have_count(1)
    states = offline_tab.evaluate("window.connectionStates")
    back = states[states.index("offline") :]
    assert "reconnecting" in back
    assert back.index("reconnecting") < len(back) - 1 - back[::-1].index("live")
