"""The pages under their Content-Security-Policy in real Chromium: every page works (scripts,
styles, htmx, the live socket, the operator charts) with no violation reported, and an
injected inline script does not run."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.conftest import RunningSystem
from tests.e2e.conftest import User, add_task, expect_live
from tests.integration.test_audit import make_staff

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

# Runs before any page script (Playwright injects it past the CSP): collects the page's
# CSP violations and console errors where the test can read them.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""
INJECT_INLINE_SCRIPT = """() => {
  const script = document.createElement("script");
  script.textContent = "window.__inlineRan = true;";
  document.body.append(script);
}"""


def watched(user: User) -> tuple[Page, list[str]]:
    """The user's tab, recording violations; the console's CSP complaints go to the list."""
    page = user.page
    errors: list[str] = []
    page.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )
    page.context.add_init_script(RECORD_VIOLATIONS)
    return page, errors


def violations(page: Page) -> list[str]:
    return page.evaluate("() => window.__violations")


def assert_clean(page: Page, errors: list[str]) -> None:
    assert violations(page) == []
    assert [e for e in errors if "Content Security Policy" in e] == []


def test_the_task_page_works_under_the_policy(sign_up: Callable[..., User]) -> None:
    page, errors = watched(sign_up())
    response = page.goto("/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    expect_live(page)  # connect-src lets the live socket (another origin locally) through
    item = add_task(page, "Under the policy")
    # app.js reset the create form after the add (no inline hx-on handler any more).
    expect(page.get_by_label("New task")).to_have_value("")
    item.get_by_role("link", name="Edit").click()
    expect(page.locator("#task-list input[name=title]")).to_have_value("Under the policy")
    page.goto("/settings/")
    page.goto("/accounts/password/")
    assert_clean(page, errors)


def test_an_injected_inline_script_is_blocked_and_reported(sign_up: Callable[..., User]) -> None:
    page, _ = watched(sign_up())
    page.goto("/")
    page.evaluate(INJECT_INLINE_SCRIPT)
    page.wait_for_function("() => window.__violations.length > 0")
    assert page.evaluate("() => window.__inlineRan") is None
    assert violations(page)[0].startswith("script-src")


def test_the_signed_out_pages_work_under_the_policy(sign_up: Callable[..., User]) -> None:
    user = sign_up()
    page, errors = watched(user)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert_clean(page, errors)


def test_the_sign_up_page_script_runs_under_the_policy(
    new_context: Callable[..., BrowserContext],
) -> None:
    page = new_context(timezone_id="Asia/Tokyo").new_page()
    page.context.add_init_script(RECORD_VIOLATIONS)
    page.goto("/accounts/signup/")
    # app.js filled in the browser's time zone (the page's own default is UTC).
    expect(page.locator("input[name=time_zone]")).to_have_value("Asia/Tokyo")
    assert violations(page) == []


def test_the_operator_page_works_under_the_policy(
    system: RunningSystem, sign_up: Callable[..., User]
) -> None:
    user = sign_up()
    make_staff(system, user.username)
    page, errors = watched(user)
    page.goto("/ops/")
    # ops.js (a static file now) polled the data; ops.css styled the service cards.
    expect(page.locator("#ops-status")).to_contain_text("Updated")
    columns = page.locator("#ops-services").evaluate("e => getComputedStyle(e).display")
    assert columns == "grid"
    assert_clean(page, errors)


def test_markup_in_a_title_and_notes_shows_as_text_here_and_in_pushes(
    sign_up: Callable[..., User],
) -> None:
    user = sign_up()
    watcher = user.open_tab()
    expect_live(watcher)
    title = '<img src=x onerror="window.__xss = 1"><b>bold</b>'
    notes = "<script>window.__xss = 2</script><i>notes</i>"
    page = user.page
    page.get_by_label("New task").fill(title)
    page.get_by_label("Notes").fill(notes)
    page.get_by_role("button", name="Add task").click()
    for tab in (page, watcher):  # the htmx answer here, the live push there
        item = tab.locator("#task-list > li.task").filter(has_text="bold")
        expect(item.locator(".title")).to_have_text(title)
        expect(item.locator(".notes")).to_have_text(notes)
        assert item.locator(".title b, .title img, .notes script, .notes i").count() == 0
        assert tab.evaluate("() => window.__xss") is None


def test_a_tab_whose_session_signs_out_says_so_and_stops_reconnecting(
    sign_up: Callable[..., User],
) -> None:
    user = sign_up()
    other_tab = user.open_tab()
    expect_live(other_tab)
    user.page.get_by_role("button", name="Sign out").click()
    status = other_tab.locator("#connection-status")
    expect(status).to_have_attribute("data-state", "signed-out")
    expect(status).to_contain_text("Signed out")
    assert other_tab.evaluate("window.liveSync.reconnectIn") is None
    # Coming back online does not reopen it either.
    other_tab.context.set_offline(True)
    other_tab.context.set_offline(False)
    assert other_tab.evaluate("window.liveSync.reconnectIn") is None
    expect(status).to_have_attribute("data-state", "signed-out")


def test_a_socket_past_the_cap_says_too_many_tabs(
    sign_up: Callable[..., User], new_context: Callable[..., BrowserContext]
) -> None:
    user = sign_up()
    context = new_context(storage_state=user.context.storage_state())
    # As sync_worker answers a user who holds SYNC_MAX_SOCKETS_PER_USER sockets already.
    context.route_web_socket("**/ws/tasks/**", lambda socket: socket.close(code=4429))
    page = context.new_page()
    page.goto("/")
    status = page.locator("#connection-status")
    expect(status).to_have_attribute("data-state", "too-many")
    expect(status).to_contain_text("too many open tabs")
    assert page.evaluate("window.liveSync.reconnectIn") is None
