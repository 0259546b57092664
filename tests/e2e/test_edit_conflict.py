"""Two tabs edit the same task: the second save loses, and says so with the current version."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import User, add_task, task

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def test_the_second_save_shows_the_conflict_and_the_current_version(
    sign_up: Callable[..., User],
) -> None:
    user = sign_up()
    first = user.page
    add_task(first, "Plan the trip")
    second = user.open_tab()
    for page in (first, second):
        task(page, "Plan the trip").get_by_role("link", name="Edit").click()
        expect(page.get_by_label("Title", exact=True)).to_have_value("Plan the trip")

    first.get_by_label("Title", exact=True).fill("Plan the trip to Lisbon")
    first.get_by_role("button", name="Save").click()
    expect(task(first, "Plan the trip to Lisbon")).to_have_attribute("data-version", "2")

    second.get_by_label("Title", exact=True).fill("Plan the trip to Porto")
    second.get_by_role("button", name="Save").click()

    winner = task(second, "Plan the trip to Lisbon")
    expect(winner.get_by_role("alert")).to_contain_text("changed elsewhere")
    expect(winner).to_have_attribute("data-version", "2")
    expect(task(second, "Plan the trip to Porto")).to_have_count(0)
