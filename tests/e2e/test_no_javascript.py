"""Without JavaScript every basic action is a plain form post and a redirect."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import User, add_task, count, task

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def test_create_complete_and_delete_without_javascript(sign_up: Callable[..., User]) -> None:
    page = sign_up(javascript=False).page

    add_task(page, "Post a letter")
    expect(count(page, "active")).to_have_text("1")

    task(page, "Post a letter").get_by_role("button", name="Complete").click()
    expect(task(page, "Post a letter")).to_have_attribute("data-completed", "true")
    expect(count(page, "completed")).to_have_text("1")

    task(page, "Post a letter").get_by_role("button", name="Delete").click()
    expect(task(page, "Post a letter")).to_have_count(0)
    expect(count(page, "all")).to_have_text("0")
