"""How fast a tab's lost socket comes back: capped full-jitter back-off, and at once when the
browser comes back online or the tab becomes visible."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, WebSocketRoute, expect

from tests.e2e.conftest import User, expect_live

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.pubsub]

CAP_MS = 10_000
# The tab's Math.random, settable from the test (null: the real one), so that a back-off can
# be made short (to pile up attempts quickly) or as long as the cap allows.
CONTROLLED_RANDOM = """
window.testRandom = null;
const realRandom = Math.random;
Math.random = () => (window.testRandom === null ? realRandom() : window.testRandom);
"""


class SyncServer:
    """Between the tab and sync_worker: passes sockets through, or accepts and closes each
    at once with 1013 (try again later), as sync_worker does while webapp is unreachable."""

    def __init__(self) -> None:
        self.refusing = True
        self.refused = 0

    def route(self, socket: WebSocketRoute) -> None:
        if self.refusing:
            self.refused += 1
            socket.close(code=1013, reason="try again later")
        else:
            socket.connect_to_server()


def tab_behind(user: User, new_context: Callable[..., BrowserContext], server: SyncServer) -> Page:
    context = new_context(storage_state=user.context.storage_state())
    context.add_init_script(CONTROLLED_RANDOM)
    context.route_web_socket("**/ws/tasks/**", server.route)
    page = context.new_page()
    page.goto("/")
    return page


def test_the_reconnect_delay_never_exceeds_the_cap(
    sign_up: Callable[..., User], new_context: Callable[..., BrowserContext]
) -> None:
    page = tab_behind(sign_up(), new_context, SyncServer())
    assert page.evaluate("window.liveSync.RECONNECT_CAP_MS") == CAP_MS
    delays = page.evaluate(
        "Array.from({length: 60}, (_, n) => window.liveSync.reconnectDelay(n % 30))"
    )
    assert max(delays) <= CAP_MS
    assert len(set(delays)) > 50  # jittered, not one fixed delay per attempt
    page.evaluate("window.testRandom = 0.999999")
    longest = page.evaluate("Array.from({length: 30}, (_, n) => window.liveSync.reconnectDelay(n))")
    assert longest[0] < 1_000  # the first retry comes quickly
    assert CAP_MS * 0.99 < longest[-1] <= CAP_MS  # later ones are capped, not 64 s


def test_a_server_that_keeps_closing_backs_off_up_to_the_cap(
    sign_up: Callable[..., User], new_context: Callable[..., BrowserContext]
) -> None:
    server = SyncServer()
    page = tab_behind(sign_up(), new_context, server)
    page.evaluate("window.testRandom = 0")  # retry at once: pile up attempts
    page.wait_for_function("() => window.liveSync.reconnectAttempts >= 8")
    assert server.refused >= 8  # each open-then-1013 counted as a failed attempt
    page.evaluate("window.testRandom = 0.999999")
    page.wait_for_function("() => window.liveSync.reconnectIn > 5000")
    assert page.evaluate("window.liveSync.reconnectIn") <= CAP_MS
    status = page.locator("#connection-status")
    expect(status).to_have_attribute("data-state", "reconnecting")


@pytest.mark.parametrize(
    "event",
    [
        "window.dispatchEvent(new Event('online'))",
        "document.dispatchEvent(new Event('visibilitychange'))",
    ],
    ids=["online", "visible"],
)
def test_coming_back_reconnects_at_once(
    sign_up: Callable[..., User], new_context: Callable[..., BrowserContext], event: str
) -> None:
    server = SyncServer()
    page = tab_behind(sign_up(), new_context, server)
    page.evaluate("window.testRandom = 0")
    page.wait_for_function("() => window.liveSync.reconnectAttempts >= 8")
    page.evaluate("window.testRandom = 0.999999")
    page.wait_for_function("() => window.liveSync.reconnectIn > 8000")  # next try nearly 10 s away
    status = page.locator("#connection-status")
    expect(status).to_have_attribute("data-state", "reconnecting")
    server.refusing = False

    page.evaluate(event)
    # Well inside the scheduled 8+ s: only the event can have reconnected it this soon.
    expect(status).to_have_attribute("data-state", "live", timeout=5_000)
    assert page.evaluate("window.liveSync.reconnectIn") is None
    assert page.evaluate("window.liveSync.sent").pop()["type"] == "hello"


def test_a_tab_that_stays_live_is_not_reconnected_by_coming_back(
    sign_up: Callable[..., User], new_context: Callable[..., BrowserContext]
) -> None:
    server = SyncServer()
    server.refusing = False
    page = tab_behind(sign_up(), new_context, server)
    expect_live(page)
    hellos = len([f for f in page.evaluate("window.liveSync.sent") if f["type"] == "hello"])
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect_live(page)
    sent = page.evaluate("window.liveSync.sent")
    assert len([f for f in sent if f["type"] == "hello"]) == hellos  # same socket, no new hello
