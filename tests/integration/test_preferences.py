"""Preferences in the Dapr state store, written with ETag concurrency."""

from __future__ import annotations

import re

import pytest

from devtools.mailsink import wait_for_messages
from devtools.probes import Probe, http_ok, wait_until
from tests.conftest import RunningSystem
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


def test_test_email_through_the_settings_page_arrives(
    system: RunningSystem, bob: WebappUser
) -> None:
    address = f"{bob.username}@example.com"
    response = bob.post("/settings/test-email", headers={"HX-Request": "true"})
    assert response.status_code == 200, response.text
    assert f"Sent to {address}" in response.text
    wait_for_messages(
        system.mail_dir,
        lambda m: m["subject"] == "Dapr Todo test e-mail" and m["rcpt_tos"] == [address],
    )


def test_test_email_without_javascript_shows_the_settings_page(bob: WebappUser) -> None:
    response = bob.post("/settings/test-email", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "Sent to " in response.text
    assert 'id="settings-heading"' in response.text


def test_a_task_with_a_due_date_shows_in_upcoming_reminders(bob: WebappUser) -> None:
    task = bob.create("Renew passport", due="2031-03-01T10:00")
    found: list[str] = []

    def listed() -> bool:
        found[:] = [bob.client.get("/settings/").text]
        return f'id="reminder-{task["id"]}"' in found[0]

    wait_until(Probe("the task in the upcoming reminders", listed, 30))
    row = found[0].split(f'id="reminder-{task["id"]}"')[1].split("</tr>")[0]
    assert "Renew passport" in row
    assert "Sat 1 Mar 2031, 10:00" in row  # due, in the user's time zone (Berlin)
    assert "scheduled" in row


def test_bindings_worker_unreachable_is_a_503_with_a_message(
    system: RunningSystem, bob: WebappUser
) -> None:
    service = system.service("bindings_worker")
    system.group.stop(f"{service.app_id}-dapr")
    system.group.stop(service.app_id)
    try:
        response = bob.post("/settings/test-email", headers={"HX-Request": "true"})
        assert response.status_code == 503
        assert "unavailable right now" in response.text
        page = bob.client.get("/settings/")
        assert page.status_code == 200
        assert "upcoming reminders cannot be shown right now" in page.text
        status, saved = save(bob, etag_on(page.text), reminder_lead_minutes="30")
        assert status == 200
        assert "could not be moved" in saved
    finally:
        system.start_service(service)
        wait_until(
            Probe("restarted sidecar", lambda: http_ok(f"{service.sidecar_url}/v1.0/healthz"), 60)
        )
        wait_until(Probe("restarted app", lambda: http_ok(f"{service.app_url}/readyz"), 60))
