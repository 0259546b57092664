"""Preferences in the Dapr state store, written with ETag concurrency."""

from __future__ import annotations

import re

import pytest

from tests.integration.webapp_http import WebappUser

pytestmark = pytest.mark.integration

FORM = {
    "time_zone": "America/New_York",
    "reminder_lead_minutes": "15",
    "reminder_emails": "on",
    "digest_time": "07:30",
}


@pytest.fixture
def bob(webapp_user: WebappUser) -> WebappUser:
    return webapp_user


def etag_on(page: str) -> str:
    match = re.search(r'name="etag" value="([^"]*)"', page)
    assert match
    return match.group(1)


def save(user: WebappUser, etag: str, **changes: str) -> tuple[int, str]:
    response = user.client.post(
        "/settings/",
        data={**FORM, **changes, "etag": etag, "csrfmiddlewaretoken": user.csrf_token},
        headers={"Referer": user.base_url + "/"},
    )
    return response.status_code, response.text


def test_sign_up_stores_the_browser_time_zone(bob: WebappUser) -> None:
    page = bob.client.get("/settings/").text
    assert '<option value="Europe/Berlin" selected>' in page


def test_saved_preferences_apply_to_due_dates(bob: WebappUser) -> None:
    status, page = save(bob, etag_on(bob.client.get("/settings/").text))
    assert status == 200
    assert "Saved." in page
    task = bob.create("Call mum", due="2026-12-24T09:00")
    assert task["due"] == "2026-12-24T14:00:00+00:00"  # New York, UTC-5


def test_stale_etag_is_a_conflict_and_keeps_the_other_tab_s_settings(bob: WebappUser) -> None:
    stale = etag_on(bob.client.get("/settings/").text)
    assert save(bob, stale, digest_time="06:00")[0] == 200
    status, page = save(bob, stale, digest_time="21:00")
    assert status == 409
    assert "changed in another tab" in page
    assert 'value="06:00"' in page


def test_invalid_preferences_are_422_with_the_reason(bob: WebappUser) -> None:
    status, page = save(bob, etag_on(bob.client.get("/settings/").text), time_zone="Mars/Olympus")
    assert status == 422
    assert "Select a valid choice" in page
