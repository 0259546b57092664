"""Every page and static file webapp serves tells the browser not to frame it, not to sniff
its type and not to leak its URLs to other sites (Django's SecurityMiddleware and
XFrameOptionsMiddleware; webapp/static_files.py for the static files)."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import RunningSystem
from tests.integration.webapp_http import WebappUser

pytestmark = pytest.mark.integration

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/", "/no-such-page/"])
def test_a_signed_out_page_carries_the_headers(system: RunningSystem, path: str) -> None:
    response = httpx.get(system.service("webapp").app_url + path, timeout=10)
    assert {name: response.headers.get(name) for name in EXPECTED} == EXPECTED


def test_the_task_page_carries_the_headers(webapp_user: WebappUser) -> None:
    response = webapp_user.client.get("/")
    assert response.status_code == 200
    assert {name: response.headers.get(name) for name in EXPECTED} == EXPECTED


@pytest.mark.parametrize("path", ["/static/todo/live.js", "/static/todo/app.css"])
def test_a_static_file_carries_the_headers(system: RunningSystem, path: str) -> None:
    response = httpx.get(system.service("webapp").app_url + path, timeout=10)
    assert response.status_code == 200
    assert {name: response.headers.get(name) for name in EXPECTED} == EXPECTED
