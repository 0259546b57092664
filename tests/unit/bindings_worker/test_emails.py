from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from pytest_django.fixtures import Settings

from bindings_worker.emails import reminder_email
from bindings_worker.smtp import PERMANENT_REPLY


def test_reminder_email_shows_local_time_and_links_to_the_task(
    settings: Settings,
) -> None:
    settings.PUBLIC_BASE_URL = "https://todo.example"
    email = reminder_email(
        "a@example.com", "t-1", "Pay <rent>", "2025-06-03T12:00:00+00:00", ZoneInfo("Europe/Berlin")
    )
    assert email.subject == "Reminder: Pay <rent>"
    assert "Pay &lt;rent&gt;" in email.html
    assert "Tue 3 Jun 2025, 14:00 CEST" in email.html
    assert 'href="https://todo.example/#task-t-1"' in email.html


def test_a_line_break_in_a_title_cannot_start_a_mail_header() -> None:
    title = "Pay rent\r\nBcc: victim@example.com\n\tand more"
    email = reminder_email(
        "a@example.com", "t-1", title, "2025-06-03T12:00:00+00:00", ZoneInfo("UTC")
    )
    assert email.subject == "Reminder: Pay rent Bcc: victim@example.com and more"


@pytest.mark.parametrize(
    ("message", "permanent"),
    [
        (
            "sending email failed: gomail: could not send email 1: 550 5.1.1 mailbox unavailable",
            True,
        ),
        ("sending email failed: dial tcp 127.0.0.1:8425: connect: connection refused", False),
    ],
)
def test_refusals_are_told_from_outages(message: str, permanent: bool) -> None:
    assert bool(PERMANENT_REPLY.search(message)) is permanent
