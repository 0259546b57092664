"""The e-mails the bindings worker sends: reminder, daily digest, test message, the link
that verifies an address.

The smtp binding sends one text/html body (no plain-text alternative), so the HTML is
kept simple enough to read as text too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from django.conf import settings


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    html: str


@dataclass(frozen=True)
class DigestItem:
    task_id: str
    title: str
    due: str


def task_link(task_id: str) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/#task-{task_id}"


def local_time(timestamp: str, zone: ZoneInfo) -> str:
    """`timestamp` (ISO 8601) as the user reads it, e.g. 'Tue 3 Jun 2025, 14:30 CEST'."""
    moment = datetime.fromisoformat(timestamp).astimezone(zone)
    return f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M} {moment.tzname()}"


def reminder_email(to: str, task_id: str, title: str, due: str, zone: ZoneInfo) -> Email:
    when = local_time(due, zone)
    link = task_link(task_id)
    html = (
        f"<p>Reminder: <strong>{escape(title)}</strong> is due {escape(when)}.</p>\n"
        f'<p><a href="{escape(link)}">Open the task</a>: {escape(link)}</p>\n'
    )
    return Email(to=to, subject=f"Reminder: {one_line(title)}", html=html)


def one_line(text: str) -> str:
    """`text` with every run of whitespace (line breaks too) as one space: a title is the
    user's, and a line break in a mail header would start a header of their choosing."""
    return " ".join(text.split())


def digest_email(to: str, day: str, items: Sequence[DigestItem], zone: ZoneInfo) -> Email:
    rows = "\n".join(
        f'<li><a href="{escape(task_link(item.task_id))}">{escape(item.title)}</a>'
        f" (due {escape(local_time(item.due, zone))})</li>"
        for item in items
    )
    html = f"<p>Your open tasks with a due date, {escape(day)}:</p>\n<ul>\n{rows}\n</ul>\n"
    return Email(to=to, subject=f"Your Dapr Todo digest for {day}", html=html)


def test_email(to: str) -> Email:
    html = "<p>This is a test e-mail from Dapr Todo: reminders will reach you here.</p>\n"
    return Email(to=to, subject="Dapr Todo test e-mail", html=html)


def verification_email(to: str, link: str) -> Email:
    html = (
        "<p>Someone (we hope you) asked Dapr Todo to send reminders and digests to this "
        "address. Open this link to confirm it is yours:</p>\n"
        f'<p><a href="{escape(link)}">{escape(link)}</a></p>\n'
        "<p>If it was not you, ignore this e-mail: nothing will be sent here.</p>\n"
    )
    return Email(to=to, subject="Dapr Todo: confirm your e-mail address", html=html)
