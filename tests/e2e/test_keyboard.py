"""The task page with the keyboard alone: every control is reachable and keeps the focus."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import User, count, task

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def test_create_complete_and_edit_with_the_keyboard(sign_up: Callable[..., User]) -> None:
    page = sign_up().page

    page.get_by_label("New task").press_sequentially("Sharpen the pencils")
    page.keyboard.press("Enter")
    item = task(page, "Sharpen the pencils")
    expect(item).to_have_count(1)
    expect(page.get_by_label("New task")).to_have_value("")

    item.get_by_role("button", name="Complete").focus()
    page.keyboard.press("Enter")
    expect(item).to_have_attribute("data-completed", "true")
    expect(item.get_by_role("button", name="Reopen")).to_be_focused()
    expect(count(page, "completed")).to_have_text("1")

    item.get_by_role("link", name="Edit").focus()
    page.keyboard.press("Enter")
    title = page.get_by_label("Title", exact=True)
    expect(title).to_be_focused()
    title.fill("Sharpen every pencil")
    page.keyboard.press("Enter")
    expect(task(page, "Sharpen every pencil")).to_have_attribute("data-version", "3")
