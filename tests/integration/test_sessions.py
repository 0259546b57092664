"""Sessions: a new key at every sign-in (no fixation), and sign-out deletes the session in
the Dapr state store, so the old cookie opens neither a page nor a live-sync socket."""

from __future__ import annotations

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from common.dapr_names import STATE_STORE
from tests.conftest import RunningSystem
from tests.integration.clients import open_socket
from tests.integration.webapp_http import WebappUser
from tests.sidecar_tokens import sidecar_headers
from webapp.sessions import state_key

pytestmark = pytest.mark.integration

PASSWORD = "correct-horse-battery-42"


def sign_in(user: WebappUser) -> httpx.Response:
    user.client.get("/accounts/login/").raise_for_status()
    return user.client.post(
        "/accounts/login/",
        data={
            "username": user.username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": user.csrf_token,
        },
        headers={"Referer": user.base_url + "/"},
    )


def stored_session(system: RunningSystem, session_key: str) -> httpx.Response:
    webapp = system.service("webapp")
    url = f"{webapp.sidecar_url}/v1.0/state/{STATE_STORE}/{state_key(session_key)}"
    return httpx.get(url, headers=sidecar_headers(webapp), timeout=10)


def test_sign_out_deletes_the_session_and_its_cookie_opens_nothing(
    system: RunningSystem,
) -> None:
    webapp, sync_worker = system.service("webapp"), system.service("sync_worker")
    user = WebappUser(webapp.app_url)
    old_key = user.session_key
    assert stored_session(system, old_key).status_code == 200
    assert user.post("/accounts/logout/").status_code == 302
    assert stored_session(system, old_key).status_code == 204  # deleted, not just forgotten
    page = httpx.get(f"{webapp.app_url}/", cookies={"sessionid": old_key}, timeout=10)
    assert page.status_code == 302
    assert page.headers["location"].startswith("/accounts/login/")
    with (
        open_socket(sync_worker, webapp.app_url, f"sessionid={old_key}") as socket,
        pytest.raises(ConnectionClosed) as closed,
    ):
        socket.recv(timeout=30)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401
    user.close()


def test_sign_in_issues_a_new_session_key(system: RunningSystem) -> None:
    user = WebappUser(system.service("webapp").app_url)
    signed_up_key = user.session_key
    user.post("/accounts/logout/")
    # A key planted before sign-in (session fixation) is not the one signed in.
    user.client.cookies.set("sessionid", signed_up_key)
    signed_in = sign_in(user)
    assert signed_in.status_code == 302
    new_key = signed_in.cookies["sessionid"]
    assert new_key != signed_up_key
    assert stored_session(system, new_key).status_code == 200
    home = httpx.get(f"{user.base_url}/", cookies={"sessionid": new_key}, timeout=10)
    assert home.status_code == 200
    user.close()
