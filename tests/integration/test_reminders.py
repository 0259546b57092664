"""Reminder actors driven by task events send one e-mail through the smtp binding.

Where a test asserts that something was NOT sent, it waits for a later e-mail instead of
sleeping: reminders fire in due order, so once the later one arrived the earlier is late.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from bindings_worker import reminder_record, smtp
from common.dapr_names import BINDINGS_WORKER_APP_ID, OWNER_ACTOR_TYPE
from devtools import commands
from devtools.mailsink import read_index, wait_for_messages
from devtools.probes import Probe, http_ok, wait_until
from devtools.supervise import SYSTEM_RESTART
from tests.conftest import RunningSystem
from tests.integration.clients import session_user_id
from tests.integration.publishing import changed, now, publish, task_event
from tests.integration.verification import verify_address
from tests.integration.webapp_http import WebappUser
from tests.sidecar_tokens import sidecar_headers

pytestmark = [pytest.mark.integration, pytest.mark.pubsub]


def new_user(system: RunningSystem, domain: str = "example.com") -> tuple[int, str]:
    name = f"u{uuid.uuid4().hex[:10]}"
    email = f"{name}@{domain}"
    owner = system.create_user(name, email)
    verify_address(system, owner, email)
    return owner, email


def is_reminder(email: str, title: str) -> Any:
    return lambda m: m["subject"] == f"Reminder: {title}" and email in m["rcpt_tos"]


def arrived(system: RunningSystem, email: str, title: str) -> list[dict[str, Any]]:
    return [m for m in read_index(system.mail_dir) if is_reminder(email, title)(m)]


def wait_for_reminder(
    system: RunningSystem, email: str, title: str, timeout: float = 30
) -> dict[str, Any]:
    return wait_for_messages(system.mail_dir, is_reminder(email, title), timeout=timeout)[0]


def wait_until_applied(system: RunningSystem, dedupe_key: str, process: str = "") -> None:
    name = process or system.service("bindings_worker").app_id
    system.group[name].wait_for_line(
        lambda line: dedupe_key in line and "task event applied" in line, timeout=30
    )


def reminders_via_webapp(system: RunningSystem, owner: int) -> list[dict[str, Any]]:
    url = (
        f"{system.service('webapp').sidecar_url}/v1.0/invoke/{BINDINGS_WORKER_APP_ID}"
        f"/method/api/reminders"
    )
    headers = sidecar_headers(system.service("webapp"))
    response = httpx.get(url, params={"owner": owner}, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return list(response.json()["reminders"])


def owner_index(system: RunningSystem, owner: int) -> list[dict[str, Any]]:
    """The owner's reminder index straight from its actor (what /api/reminders returns).

    Actor calls stay inside this system (its own placement); invocation by app-id goes
    through mDNS, which other systems running on this host share.
    """
    url = (
        f"{system.service('bindings_worker').sidecar_url}/v1.0/actors/"
        f"{OWNER_ACTOR_TYPE}/{owner}/method/list"
    )
    response = httpx.post(
        url, headers=sidecar_headers(system.service("bindings_worker")), timeout=10
    )
    assert response.status_code == 200, response.text
    return list(response.json())


def wait_for_status(
    system: RunningSystem, owner: int, status: str, timeout: float = 60
) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    def has_status() -> bool:
        found[:] = [r for r in owner_index(system, owner) if r["status"] == status]
        return bool(found)

    wait_until(Probe(f"a reminder of user {owner} in status {status}", has_status, timeout))
    return found[0]


def smtp_sessions(port: int) -> int:
    """Open TCP connections to `port` on this host (IPv4), from the client side: while the
    mail sink is stopped, one per SMTP conversation the smtp binding has started."""
    established = "01"
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote_port, state = int(fields[2].split(":")[1], 16), fields[3]
        count += remote_port == port and state == established
    return count


@contextmanager
def stopped(process: subprocess.Popen[bytes]) -> Iterator[None]:
    """The process frozen (SIGSTOP), the way a hung server is: it keeps its socket, the
    kernel still accepts connections for it, and nothing answers them."""
    os.kill(process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(process.pid, signal.SIGCONT)


def test_task_due_soon_sends_exactly_one_email(system: RunningSystem) -> None:
    owner, email = new_user(system)
    event = task_event(owner, due=now() + timedelta(seconds=3), title="Call the plumber")
    webapp = system.service("webapp")
    publish(webapp, event)
    publish(webapp, event)  # the same change again under another CloudEvent id

    message = wait_for_reminder(system, email, "Call the plumber")
    assert message["rcpt_tos"] == [email]
    parsed = BytesParser(policy=default).parsebytes(
        (system.mail_dir / message["file"]).read_bytes()
    )
    assert parsed.get_content_type() == "text/html"
    assert f"#task-{event.task.id}" in parsed.get_content()
    # A second task due later: when its e-mail is in, a duplicate of the first would be too.
    later = task_event(owner, due=now() + timedelta(seconds=2), title="Sentinel")
    publish(webapp, later)
    wait_for_reminder(system, email, "Sentinel")
    assert len(arrived(system, email, "Call the plumber")) == 1


def test_moved_due_date_fires_only_at_the_new_time(system: RunningSystem) -> None:
    owner, email = new_user(system)
    webapp = system.service("webapp")
    first = task_event(owner, due=now() + timedelta(seconds=4), title="Moved")
    new_due = now() + timedelta(seconds=9)
    moved = changed(first, "task.updated", due=new_due.isoformat())
    publish(webapp, first)
    publish(webapp, moved)
    publish(webapp, first)  # out of order and late: older than what the actor has seen

    message = wait_for_reminder(system, email, "Moved")
    assert datetime.fromisoformat(message["received_at"]) >= new_due
    assert len(arrived(system, email, "Moved")) == 1


@pytest.mark.parametrize("event_type", ["task.completed", "task.deleted"])
def test_completed_or_deleted_task_sends_nothing(system: RunningSystem, event_type: str) -> None:
    owner, email = new_user(system)
    webapp = system.service("webapp")
    task = task_event(owner, due=now() + timedelta(seconds=4), title="Done early")
    publish(webapp, task)
    publish(webapp, changed(task, event_type, completed=event_type == "task.completed"))
    wait_until_applied(system, f"{task.task.id}:2")
    publish(webapp, task_event(owner, due=now() + timedelta(seconds=6), title="Sentinel"))

    wait_for_reminder(system, email, "Sentinel")
    assert arrived(system, email, "Done early") == []
    assert [r["title"] for r in owner_index(system, owner)] == ["Sentinel"]


def test_restart_of_worker_and_sidecar_before_due_sends_one_email(system: RunningSystem) -> None:
    owner, email = new_user(system)
    service = system.service("bindings_worker")
    event = task_event(owner, due=now() + timedelta(seconds=20), title="Survives restarts")
    publish(system.service("webapp"), event)
    wait_until_applied(system, event.dedupe_key)

    system.group.stop(f"{service.app_id}-dapr")
    system.group.stop(service.app_id)
    system.start_service(service)
    wait_until(
        Probe("restarted sidecar", lambda: http_ok(f"{service.sidecar_url}/v1.0/healthz"), 60)
    )
    wait_until(Probe("restarted app", lambda: http_ok(f"{service.app_url}/readyz"), 60))

    wait_for_reminder(system, email, "Survives restarts", timeout=60)
    publish(
        system.service("webapp"),
        task_event(owner, due=now() + timedelta(seconds=2), title="Sentinel"),
    )
    wait_for_reminder(system, email, "Sentinel")
    assert len(arrived(system, email, "Survives restarts")) == 1


def test_mail_server_down_delays_the_reminder_and_sends_it_once(system: RunningSystem) -> None:
    owner, email = new_user(system)
    system.group.stop("mailsink")
    try:
        publish(
            system.service("webapp"),
            task_event(owner, due=now() + timedelta(seconds=1), title="Patience"),
        )
        retrying = wait_for_status(system, owner, "retrying")
        assert retrying["error"]
    finally:
        system.group.start(commands.mail_sink(system.topology), SYSTEM_RESTART)
    wait_for_reminder(system, email, "Patience", timeout=60)
    assert wait_for_status(system, owner, "sent")["title"] == "Patience"
    assert len(arrived(system, email, "Patience")) == 1


# The sender used to give up on a hung server after 10 s (the sidecar's resiliency timeout)
# and start another SMTP conversation 0.5, 1 and 2 s later: held this long, it had opened 3.
# Short enough that the worker's 60 s wait (smtp.TIMEOUT_SECONDS) sees the answer.
HUNG_HOLD_SECONDS = 30
# No second e-mail may follow within this: three times the 5 s after which both the actor's
# retry (reminder_record.retry_delay) and the reminder's failure policy would fire again.
NO_SECOND_EMAIL_SECONDS = 3 * reminder_record.retry_delay(1).total_seconds()


def assert_no_second_email(system: RunningSystem, email: str, title: str) -> None:
    time.sleep(NO_SECOND_EMAIL_SECONDS)  # a bounded wait for something that must not come
    assert len(arrived(system, email, title)) == 1


def test_hung_mail_server_gets_one_attempt_and_one_delayed_email(system: RunningSystem) -> None:
    owner, email = new_user(system)
    port = system.topology.mail_sink_port
    with stopped(system.group["mailsink"].process):
        publish(
            system.service("webapp"),
            task_event(owner, due=now() + timedelta(seconds=1), title="Hung server"),
        )
        wait_for_status(system, owner, "sending")
        wait_until(
            Probe("an SMTP conversation with the hung sink", lambda: smtp_sessions(port), 30)
        )
        time.sleep(HUNG_HOLD_SECONDS)  # the fault lasts this long; nothing to await in it
        assert smtp_sessions(port) == 1
        assert arrived(system, email, "Hung server") == []
    wait_for_reminder(system, email, "Hung server")
    assert wait_for_status(system, owner, "sent")["title"] == "Hung server"
    assert_no_second_email(system, email, "Hung server")


def test_mail_server_hung_past_the_send_timeout_sends_one_email(system: RunningSystem) -> None:
    owner, email = new_user(system)
    port = system.topology.mail_sink_port
    with stopped(system.group["mailsink"].process):
        publish(
            system.service("webapp"),
            task_event(owner, due=now() + timedelta(seconds=1), title="Hung long"),
        )
        # The worker stops waiting, but the e-mail may still go: it is not sent again.
        unconfirmed = wait_for_status(
            system, owner, "unconfirmed", timeout=smtp.TIMEOUT_SECONDS + 30
        )
        assert "may still be sent" in unconfirmed["error"]
        # Its conversation is still open in the sidecar (others may be too: once the worker
        # stopped waiting, the next e-mail, e.g. a digest, may start its own).
        assert smtp_sessions(port) >= 1
    wait_for_reminder(system, email, "Hung long")
    assert_no_second_email(system, email, "Hung long")
    assert wait_for_status(system, owner, "unconfirmed")["title"] == "Hung long"


def test_refused_address_is_recorded_as_failed(system: RunningSystem) -> None:
    owner, _ = new_user(system, domain="reject.invalid")
    publish(
        system.service("webapp"),
        task_event(owner, due=now() + timedelta(seconds=1), title="Bounce"),
    )
    failed = wait_for_status(system, owner, "failed")
    assert failed["title"] == "Bounce"
    assert "550" in failed["error"]


def invoke(
    system: RunningSystem, caller: str, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    url = f"{system.service(caller).sidecar_url}/v1.0/invoke/{BINDINGS_WORKER_APP_ID}/method/{path}"
    headers = sidecar_headers(system.service(caller))
    return httpx.request(method, url, headers=headers, timeout=30, **kwargs)


def test_test_email_through_service_invocation_arrives(system: RunningSystem) -> None:
    owner, email = new_user(system)
    response = invoke(system, "webapp", "POST", "api/test-email", json={"owner": owner})
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "sent", "to": email}
    wait_for_messages(
        system.mail_dir,
        lambda m: m["subject"] == "Dapr Todo test e-mail" and m["rcpt_tos"] == [email],
    )


def test_invocation_api_refuses_other_callers_and_bad_input(system: RunningSystem) -> None:
    owner, _ = new_user(system)
    other = invoke(system, "sync_worker", "POST", "api/test-email", json={"owner": owner})
    # Refused by bindings-worker's sidecar (its access policy), naming the caller.
    assert other.status_code == 403
    assert "sync-worker" in other.text
    bad = invoke(system, "webapp", "POST", "api/test-email", content=b"not json")
    assert bad.status_code == 400
    unknown = invoke(
        system, "webapp", "POST", "api/test-email", content=json.dumps({"owner": 999999})
    )
    assert unknown.status_code == 404
    assert invoke(system, "webapp", "GET", "api/reminders?owner=x").status_code == 400
    assert reminders_via_webapp(system, owner) == []


def save_lead_time(user: WebappUser, minutes: int) -> None:
    page = user.client.get("/settings/").text
    etag = re.search(r'name="etag" value="([^"]*)"', page)
    assert etag
    fields = {"time_zone": "Europe/Berlin", "reminder_emails": "on", "digest_time": "08:00"}
    response = user.client.post(
        "/settings/",
        data={
            **fields,
            "reminder_lead_minutes": str(minutes),
            "etag": etag[1],
            "csrfmiddlewaretoken": user.csrf_token,
        },
        headers={"Referer": user.base_url + "/"},
    )
    assert response.status_code == 200, response.text
    assert "could not be moved" not in response.text


def test_longer_lead_time_moves_a_pending_reminder(
    system: RunningSystem, webapp_user: WebappUser
) -> None:
    owner = session_user_id(system.service("sync_worker"), webapp_user.session_key)
    email = f"{webapp_user.username}@example.com"
    verify_address(system, owner, email)
    due = (now() + timedelta(minutes=5, seconds=15)).replace(microsecond=0)
    local_due = due.astimezone(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%dT%H:%M:%S")
    webapp_user.create("Lead time", due=local_due)
    pending = wait_for_status(system, owner, "scheduled")
    assert datetime.fromisoformat(pending["remind_at"]) == due  # lead time 0: at the due time

    save_lead_time(webapp_user, 5)
    moved = due - timedelta(minutes=5)
    message = wait_for_reminder(system, email, "Lead time", timeout=60)
    received = datetime.fromisoformat(message["received_at"])
    assert moved <= received < due - timedelta(minutes=4)
    sent = wait_for_status(system, owner, "sent")
    assert datetime.fromisoformat(sent["remind_at"]) == moved

    # Re-planning a sent reminder (lead time back to 0) sends nothing more.
    save_lead_time(webapp_user, 0)
    publish(
        system.service("webapp"),
        task_event(owner, due=now() + timedelta(seconds=2), title="Sentinel"),
    )
    wait_for_reminder(system, email, "Sentinel")
    assert len(arrived(system, email, "Lead time")) == 1
