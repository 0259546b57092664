"""No reminder or digest goes to an address before its owner opened the signed link that was
mailed to it (through bindings-worker's smtp binding); a tampered or expired link verifies
nothing, and a changed address needs verifying again.

Where a test asserts that something was NOT sent, it waits for a later e-mail to a verified
user instead of sleeping: the same worker would have sent the unverified one first.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta
from email.parser import BytesParser
from email.policy import default
from unittest import mock
from urllib.parse import urlsplit

import pytest

from devtools.mailsink import read_index, wait_for_messages
from devtools.supervise import Supervised
from tests.conftest import RunningSystem
from tests.integration.publishing import now, publish, task_event
from tests.integration.test_audit import wait_for_record
from tests.integration.verification import link_path, verify_address
from tests.integration.webapp_http import WebappUser

pytestmark = pytest.mark.integration

SUBJECT = "Dapr Todo: confirm your e-mail address"
TICK = "digest tick done"
UNVERIFIED = "is not verified yet"


def new_user(system: RunningSystem) -> tuple[int, str]:
    name = f"v{uuid.uuid4().hex[:10]}"
    email = f"{name}@example.com"
    return system.create_user(name, email), email


def user_id(system: RunningSystem, username: str) -> int:
    code = (
        "from django.contrib.auth.models import User; "
        f"print(User.objects.get(username={username!r}).pk)"
    )
    return int(system.manage("shell", "--no-imports", "-c", code).strip())


def mails_to(system: RunningSystem, email: str) -> list[dict]:
    return [m for m in read_index(system.mail_dir) if email in m["rcpt_tos"]]


def next_tick(process: Supervised, timeout: float = 90) -> None:
    """Waits for a digest tick that completes after this call (the cron fires each minute)."""
    seen = sum(TICK in line for line in process.lines)
    count = 0

    def later_tick(line: str) -> bool:
        nonlocal count
        count += TICK in line
        return count > seen

    process.wait_for_line(later_tick, timeout)


def settings_page(user: WebappUser) -> str:
    response = user.client.get("/settings/")
    assert response.status_code == 200
    return response.text


def test_unverified_user_gets_no_reminder_or_digest(system: RunningSystem) -> None:
    unverified, unverified_email = new_user(system)
    verified, verified_email = new_user(system)
    verify_address(system, verified, verified_email)
    webapp = system.service("webapp")
    for owner in (unverified, verified):
        # Overdue (for the digest) and due in a moment (a reminder).
        publish(webapp, task_event(owner, due=now() - timedelta(hours=1), title="Overdue"))
        publish(webapp, task_event(owner, due=now() + timedelta(seconds=2), title="Soon"))

    wait_for_messages(
        system.mail_dir,
        lambda m: m["subject"] == "Reminder: Soon" and verified_email in m["rcpt_tos"],
        timeout=60,
    )
    worker = system.app_process("bindings_worker")
    next_tick(worker)
    wait_for_messages(
        system.mail_dir,
        lambda m: (
            m["subject"].startswith("Your Dapr Todo digest") and verified_email in m["rcpt_tos"]
        ),
        timeout=90,
    )
    assert mails_to(system, unverified_email) == []
    assert any(TICK in line and "unverified" in line for line in worker.lines)


def test_the_mailed_link_verifies_the_address(
    system: RunningSystem, webapp_user: WebappUser
) -> None:
    email = f"{webapp_user.username}@example.com"
    assert UNVERIFIED in settings_page(webapp_user)
    response = webapp_user.post("/settings/verification-email", headers={"HX-Request": "true"})
    assert response.status_code == 200, response.text
    [message] = wait_for_messages(
        system.mail_dir, lambda m: m["subject"] == SUBJECT and m["rcpt_tos"] == [email]
    )
    body = BytesParser(policy=default).parsebytes((system.mail_dir / message["file"]).read_bytes())
    link = re.search(r'href="([^"]+)"', body.get_content())
    assert link

    opened = webapp_user.client.get(urlsplit(link[1]).path)
    assert opened.status_code == 200
    assert f"{email} is verified" in opened.text
    assert f"{email} is verified" in settings_page(webapp_user)
    owner = str(user_id(system, webapp_user.username))
    wait_for_record(
        system,
        lambda r: (
            r["action"] == "email.verified"
            and r["target"]["id"] == owner
            and r["outcome"] == "success"
        ),
    )


def tampered(path: str) -> str:
    last = path[-1]
    return path[:-1] + ("A" if last != "A" else "B")


def test_tampered_or_expired_link_is_400_and_verifies_nothing(
    system: RunningSystem, webapp_user: WebappUser
) -> None:
    owner = user_id(system, webapp_user.username)
    email = f"{webapp_user.username}@example.com"
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 3 * 86400):
        expired = link_path(system, owner, email)
    valid = link_path(system, owner, email)
    other_user = link_path(system, owner + 10_000, email)
    for path, reason in [
        (tampered(valid), "not valid"),
        (expired, "expired"),
        (valid.rsplit("/", 1)[0] + "/not-a-token", "not valid"),
        (other_user, "no longer has"),
    ]:
        response = webapp_user.client.get(path)
        assert response.status_code == 400, path
        assert reason in response.text
        assert "Traceback" not in response.text
    assert UNVERIFIED in settings_page(webapp_user)
    wait_for_record(
        system,
        lambda r: (
            r["action"] == "email.verified"
            and r["outcome"] == "failed"
            and "expired" in r["reason"]
        ),
    )


def test_changing_the_address_unverifies_it(system: RunningSystem, webapp_user: WebappUser) -> None:
    owner = user_id(system, webapp_user.username)
    old = f"{webapp_user.username}@example.com"
    verify_address(system, owner, old)
    assert f"{old} is verified" in settings_page(webapp_user)

    new = f"new-{webapp_user.username}@example.com"
    code = (
        "from django.contrib.auth.models import User; "
        f"User.objects.filter(pk={owner}).update(email={new!r})"
    )
    system.manage("shell", "--no-imports", "-c", code)
    assert f"{new} {UNVERIFIED}" in settings_page(webapp_user)

    sentinel, sentinel_email = new_user(system)
    verify_address(system, sentinel, sentinel_email)
    webapp = system.service("webapp")
    publish(webapp, task_event(owner, due=now() + timedelta(seconds=2), title="After change"))
    publish(webapp, task_event(sentinel, due=now() + timedelta(seconds=3), title="Sentinel"))
    wait_for_messages(
        system.mail_dir,
        lambda m: m["subject"] == "Reminder: Sentinel" and sentinel_email in m["rcpt_tos"],
        timeout=60,
    )
    assert mails_to(system, new) == []
    assert [m for m in mails_to(system, old) if m["subject"] == "Reminder: After change"] == []
