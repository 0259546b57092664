"""A real browser against the session's system: Debian's Chromium driven by Playwright.

Playwright never downloads a browser here; it launches /usr/bin/chromium (scripts/setup.sh
installs it). Every user signs up through the UI in a browser context of their own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright

from tests.conftest import RunningSystem

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Live pushes cross webapp, its sidecar, Redis, sync_worker's sidecar and sync_worker; the two
# shared cores also run the other tests' processes.
TIMEOUT_MS = 20_000
PASSWORD = "correct-horse-battery-staple"

expect.set_options(timeout=TIMEOUT_MS)


@dataclass
class User:
    """A signed-up user: their browser context (cookies) and first tab."""

    username: str
    context: BrowserContext
    page: Page

    def open_tab(self) -> Page:
        page = self.context.new_page()
        page.goto(self.page.url.split("?")[0])
        return page


# Per module, not per session: sync Playwright keeps an event loop in the main thread while it
# runs, and later tests that call async_to_sync there would fail.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def webapp_url(system: RunningSystem) -> str:
    return system.service("webapp").app_url


@pytest.fixture
def new_context(browser: Browser, webapp_url: str) -> Iterator[Callable[..., BrowserContext]]:
    """Browser contexts on the webapp (closed after the test); keywords go to Playwright."""
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        context = browser.new_context(base_url=webapp_url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def sign_up(new_context: Callable[..., BrowserContext]) -> Callable[..., User]:
    """Signs a new user up through the UI; `javascript=False` for a browser without it.

    `live=False` gives the user's tabs a socket that never reaches sync_worker, for tests
    that feed the page messages themselves and must not race real pushes.
    """

    def new_user(javascript: bool = True, live: bool = True) -> User:
        context = new_context(java_script_enabled=javascript)
        if not live:
            context.route_web_socket("**/ws/tasks/**", lambda socket: None)
        page = context.new_page()
        username = f"u{uuid.uuid4().hex[:10]}"
        page.goto("/accounts/signup/")
        page.get_by_label("Username", exact=True).fill(username)
        page.get_by_label("Email", exact=True).fill(f"{username}@example.com")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_label("Password confirmation").fill(PASSWORD)
        page.get_by_role("button", name="Sign up").click()
        expect(page.get_by_role("heading", name="Your tasks")).to_be_visible()
        return User(username, page.context, page)

    return new_user


def task(page: Page, title: str) -> Locator:
    """The list item of the task titled `title` (exactly)."""
    title_text = page.locator(".title").get_by_text(title, exact=True)
    return page.locator("#task-list > li.task").filter(has=title_text)


def add_task(page: Page, title: str) -> Locator:
    page.get_by_label("New task").fill(title)
    page.get_by_role("button", name="Add task").click()
    item = task(page, title)
    expect(item).to_have_count(1)
    return item


def expect_live(page: Page) -> None:
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "live")


def count(page: Page, name: str) -> Locator:
    return page.locator(f"span[data-count='{name}']")


def create_complete_delete(actor: Page, title: str, observer: Page | None = None) -> None:
    """Creates, completes and deletes `title` in `actor`; each step shows in `observer` too."""
    seen = observer or actor
    add_task(actor, title)
    expect(task(seen, title)).to_have_count(1)
    expect(count(seen, "active")).to_have_text("1")

    task(actor, title).get_by_role("button", name="Complete").click()
    expect(task(seen, title)).to_have_attribute("data-completed", "true")
    expect(count(seen, "completed")).to_have_text("1")

    task(actor, title).get_by_role("button", name="Delete").click()
    expect(task(seen, title)).to_have_count(0)
    expect(count(seen, "all")).to_have_text("0")
