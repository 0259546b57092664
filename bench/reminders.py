"""Reminder lateness and e-mail throughput through the smtp binding.

    .venv/bin/python -m bench.reminders [--reminders 100] [--emails 100]

Starts the whole system (real daprd, placement, scheduler, Redis, mail sink) on free
ports, publishes task events for --reminders tasks due a few seconds ahead, and measures
each e-mail's arrival in the mail sink against its task's due time (lead time 0). Then it
sends --emails messages straight through the binding, one at a time (what the app does)
and concurrently, counting messages whose recipient does not match their subject.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from common.dapr_names import SMTP_BINDING
from devtools import commands
from devtools.mailsink import read_index, wait_for_messages
from devtools.supervise import ProcessGroup
from devtools.system import start_system
from devtools.topology import REPO_ROOT, Topology, free_topology
from tests.integration.publishing import now, publish, task_event

SETTINGS = "config.settings.test"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def create_user(topology: Topology, env: dict[str, str], email: str) -> int:
    """A user whose address is verified (reminders go to verified addresses only)."""
    code = (
        "from django.contrib.auth.models import User; "
        "from webapp.preferences.verification import verification_link; "
        f"u = User.objects.create_user({email!r}, {email!r}); "
        f"print(u.pk, verification_link(u.pk, {email!r}))"
    )
    out = subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    owner, link = out.stdout.split()
    path = urlsplit(link).path
    httpx.get(topology.service("webapp").app_url + path, timeout=30).raise_for_status()
    return int(owner)


def reminder_lateness(topology: Topology, env: dict[str, str], count: int) -> list[float]:
    email = "bench@example.com"
    owner = create_user(topology, env, email)
    start = now() + timedelta(seconds=30)  # every event is applied before the first is due
    due = {}
    for i in range(count):
        event = task_event(owner, due=start + timedelta(milliseconds=50 * i), title=f"bench {i}")
        due[f"Reminder: bench {i}"] = datetime.fromisoformat(event.task.due or "")
        publish(topology.service("webapp"), event)
    messages = wait_for_messages(
        topology.mail_dir,
        lambda m: m["subject"] in due and email in m["rcpt_tos"],
        count=count,
        timeout=120 + count,
    )
    return [
        (datetime.fromisoformat(m["received_at"]) - due[m["subject"]]).total_seconds()
        for m in messages
    ]


def send_through_binding(topology: Topology, count: int, workers: int) -> tuple[float, int]:
    """(e-mails per second, messages whose To does not match the subject)."""
    url = f"{topology.service('bindings_worker').sidecar_url}/v1.0/bindings/{SMTP_BINDING}"
    tag = f"w{workers}-{time.monotonic_ns()}"
    headers = {"dapr-api-token": commands.api_token_env(topology)["DAPR_API_TOKEN"]}

    def send(i: int) -> None:
        to = f"{tag}-{i}@example.com"
        body = {"operation": "create", "data": "<p>bench</p>",
                "metadata": {"emailTo": to, "subject": f"bench {to}"}}  # fmt: skip
        httpx.post(url, json=body, headers=headers, timeout=30).raise_for_status()

    started = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(send, range(count)))
    elapsed = time.monotonic() - started
    sent = wait_for_messages(topology.mail_dir, lambda m: tag in m["subject"], count, 60)
    crossed = sum(1 for m in sent if m["subject"] != f"bench {m['rcpt_tos'][0]}")
    return count / elapsed, crossed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reminders", type=int, default=100)
    parser.add_argument("--emails", type=int, default=100)
    parser.add_argument("--keep", type=Path, help="keep logs and mail in this new directory")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as temporary:
        state = args.keep or temporary
        Path(state).mkdir(parents=True, exist_ok=True)
        topology = free_topology(Path(state))
        app_env = {"DATABASE_URL": f"sqlite:///{Path(state) / 'db.sqlite3'}"}
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, **app_env}
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=REPO_ROOT, env=env, check=True,
        )  # fmt: skip
        with ProcessGroup(Path(state) / "logs", REPO_ROOT) as group:
            start_system(group, topology, SETTINGS, app_env)
            lateness = reminder_lateness(topology, env, args.reminders)
            sequential, _ = send_through_binding(topology, args.emails, workers=1)
            concurrent, crossed = send_through_binding(topology, args.emails, workers=8)
            total = len(read_index(topology.mail_dir))

    ms = [seconds * 1000 for seconds in lateness]
    p50, p99, mean = percentile(ms, 0.5), percentile(ms, 0.99), statistics.mean(ms)
    print(f"reminder lateness over {len(ms)} reminders (e-mail arrival - due): "
          f"p50 {p50:.0f} ms, p99 {p99:.0f} ms, min {min(ms):.0f} ms, max {max(ms):.0f} ms, "
          f"mean {mean:.0f} ms")  # fmt: skip
    print(f"smtp binding, one at a time: {sequential:.1f} e-mails/s ({args.emails} e-mails)")
    print(f"smtp binding, 8 concurrent callers: {concurrent:.1f} e-mails/s, "
          f"{crossed} of {args.emails} with another request's recipient")  # fmt: skip
    print(f"mail sink received {total} messages in all")


if __name__ == "__main__":
    main()
