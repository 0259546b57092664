"""The audit trail on the real system: records of actions, sealed by bindings-worker into
the hash chain in Redis, and `manage.py audit` verifying, exporting and pruning it.

Redis and the sidecar are reached through one helper each (redis_client, manage_audit),
so a password or an API token on them is a one-line change here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from redis import Redis

from audit import trail
from devtools import audit_keys, commands
from devtools.topology import REPO_ROOT
from tests.conftest import TEST_SETTINGS, RunningSystem
from tests.integration.redis_access import system_redis
from tests.integration.webapp_http import WebappUser

pytestmark = [pytest.mark.integration, pytest.mark.pubsub]

SEAL_TIMEOUT = 30.0
Record = dict[str, Any]


def redis_client(system: RunningSystem) -> Redis:
    return system_redis(system.topology, decode_responses=True)


def manage_audit(system: RunningSystem, *args: str) -> subprocess.CompletedProcess[str]:
    """`manage.py audit …` through the running webapp's sidecar, as an operator runs it."""
    webapp = system.service("webapp")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": TEST_SETTINGS,
        **commands.browser_facing_env(system.topology),
        **system.app_env,
        **commands.api_token_env(system.topology),
        "DAPR_HTTP_PORT": str(webapp.dapr_http_port),
        "AUDIT_VERIFY_KEY_FILE": str(audit_keys.verify_key_file(system.topology)),
    }
    return subprocess.run(
        [sys.executable, "manage.py", "audit", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def sealed_records(redis: Redis) -> dict[int, Record]:
    head = redis.hget(trail.HEAD_KEY, "data")
    last = json.loads(head)["seq"] if head else 0
    found = {}
    for seq in range(1, last + 1):
        raw = redis.hget(trail.record_key(seq), "data")
        if raw is not None:
            found[seq] = json.loads(raw)
    return found


def wait_for_record(system: RunningSystem, matches: Callable[[Record], bool]) -> Record:
    """The sealed record that `matches`; the sealer tells no one, so the trail is polled."""
    redis = redis_client(system)
    deadline = time.monotonic() + SEAL_TIMEOUT
    while time.monotonic() < deadline:
        for sealed in sealed_records(redis).values():
            if matches(sealed):
                return sealed
        time.sleep(0.2)
    raise AssertionError("no such audit record sealed in time")


def action_on(action: str, target_id: str, outcome: str = "success") -> Callable[[Record], bool]:
    return lambda r: (r["action"], r["target"]["id"], r["outcome"]) == (action, target_id, outcome)


@pytest.fixture
def alice(webapp_user: WebappUser) -> WebappUser:
    return webapp_user


def test_every_task_mutation_is_sealed_with_who_what_and_where(
    system: RunningSystem, alice: WebappUser
) -> None:
    response = alice.post("/tasks/", {"title": "Audited"}, headers={"User-Agent": "audit-test"})
    task = response.json()["task"]
    alice.post(f"/tasks/{task['id']}/edit", {"title": "Audited 2", "version": 1})
    alice.post(f"/tasks/{task['id']}/complete", {"version": 2})
    alice.post(f"/tasks/{task['id']}/reopen", {"version": 3})
    alice.post(f"/tasks/{task['id']}/move", {"version": 4, "direction": "up"})
    alice.post(f"/tasks/{task['id']}/complete", {"version": 5})
    assert alice.post("/tasks/clear-completed").status_code in (200, 204, 302)
    for action in (
        "task.created",
        "task.updated",
        "task.completed",
        "task.reopened",
        "task.moved",
        "task.cleared",
    ):
        sealed = wait_for_record(system, action_on(action, task["id"]))
        assert sealed["actor"]["username"] == alice.username
        assert isinstance(sealed["actor"]["user_id"], int)
        assert sealed["app_id"] == "webapp"
        assert sealed["source_ip"] == "127.0.0.1"
        assert sealed["trace_id"]
        assert sealed["instance"]
        assert isinstance(sealed["time_ms"], int)
        assert len(sealed["hash"]) == 64
    created = wait_for_record(system, action_on("task.created", task["id"]))
    assert created["user_agent"] == "audit-test"


def test_another_users_task_leaves_a_denied_record(
    system: RunningSystem, alice: WebappUser
) -> None:
    task = alice.create("Not yours")
    mallory = WebappUser(system.service("webapp").app_url)
    try:
        assert mallory.post(f"/tasks/{task['id']}/complete", {"version": 1}).status_code == 404
        denied = wait_for_record(system, action_on("task.change", task["id"], "denied"))
        assert denied["actor"]["username"] == mallory.username
    finally:
        mallory.close()


def test_sign_up_sign_in_failure_and_sign_out_are_recorded(system: RunningSystem) -> None:
    user = WebappUser(system.service("webapp").app_url)
    try:
        signed_up = wait_for_record(
            system,
            lambda r: r["action"] == "auth.sign_up" and r["actor"]["username"] == user.username,
        )
        wait_for_record(
            system,
            lambda r: (
                r["action"] == "auth.sign_in"
                and r["outcome"] == "success"
                and r["target"]["id"] == signed_up["target"]["id"]
            ),
        )
        user.post("/accounts/logout/")
        wait_for_record(
            system,
            lambda r: (
                r["action"] == "auth.sign_out" and r["target"]["id"] == signed_up["target"]["id"]
            ),
        )
        user.client.get("/accounts/login/")
        user.post(
            "/accounts/login/",
            {"username": user.username, "password": "wrong-password-123"},
        )
        failed = wait_for_record(
            system,
            lambda r: (
                r["action"] == "auth.sign_in"
                and r["outcome"] == "failed"
                and user.username in r["reason"]
            ),
        )
        assert "wrong-password-123" not in json.dumps(failed)
    finally:
        user.close()


def test_a_password_change_is_recorded_without_the_passwords(system: RunningSystem) -> None:
    user = WebappUser(system.service("webapp").app_url)
    old, new = "correct-horse-battery-42", "staple-orbit-lantern-77"
    try:
        user.client.get("/accounts/password/")
        wrong = user.post(
            "/accounts/password/",
            {"old_password": "not-it-at-all-1", "new_password1": new, "new_password2": new},
        )
        assert wrong.status_code == 422
        user.client.get("/accounts/password/")
        changed = user.post(
            "/accounts/password/",
            {"old_password": old, "new_password1": new, "new_password2": new},
        )
        assert changed.status_code in (200, 302), changed.text
        assert user.client.get("/").status_code == 200  # still signed in
        records = [
            wait_for_record(
                system,
                lambda r, outcome=outcome: (
                    r["action"] == "auth.password_change"
                    and r["outcome"] == outcome
                    and r["actor"]["username"] == user.username
                ),
            )
            for outcome in ("failed", "success")
        ]
        assert records[0]["reason"] == "old_password"
        for password in (old, new, "not-it-at-all-1"):
            assert password not in json.dumps(records)
    finally:
        user.close()


def test_a_refused_sidecar_only_call_leaves_a_denied_record(system: RunningSystem) -> None:
    sync_worker = system.service("sync_worker")
    response = httpx.get(
        f"{sync_worker.app_url}/ops/dead-letters",
        headers={
            "dapr-api-token": system.app_api_token,
            "dapr-caller-app-id": "intruder",
            "User-Agent": "refused-test",
        },
    )
    assert response.status_code == 403
    denied = wait_for_record(
        system,
        lambda r: r["outcome"] == "denied" and r["user_agent"] == "refused-test",
    )
    assert denied["app_id"] == "sync-worker"
    assert "intruder" in denied["reason"]


@contextmanager
def tampered(redis: Redis, changes: dict[str, str | None]) -> Iterator[None]:
    """Replaces (or deletes, for None) the `data` of these keys, and restores them after."""
    saved = {key: redis.hgetall(key) for key in changes}
    for key, data in changes.items():
        if data is None:
            redis.delete(key)
        else:
            # A forger writes what state.redis writes: the value and a version.
            redis.hset(key, mapping={"data": data, "version": "1"})
    try:
        yield
    finally:
        for key, fields in saved.items():
            redis.delete(key)
            if fields:
                redis.hset(key, mapping=fields)


def trail_with_records(system: RunningSystem, alice: WebappUser, count: int) -> dict[int, Record]:
    for n in range(count):
        task = alice.create(f"chain {n}")
        wait_for_record(system, action_on("task.created", task["id"]))
    return sealed_records(redis_client(system))


def test_verify_names_a_changed_deleted_inserted_or_reordered_record(
    system: RunningSystem, alice: WebappUser
) -> None:
    records = trail_with_records(system, alice, 3)
    verified = manage_audit(system, "verify")
    assert verified.returncode == 0, verified.stderr
    assert "audit trail verified" in verified.stdout
    redis = redis_client(system)
    seq = max(records) - 1
    victim, successor = records[seq], records[seq + 1]
    changed = json.dumps({**victim, "outcome": "denied"})
    forged_beyond = json.dumps({**successor, "seq": max(records) + 1, "id": "forged"})
    cases: dict[str, dict[str, str | None]] = {
        "changed": {trail.record_key(seq): changed},
        "deleted": {trail.record_key(seq): None},
        "reordered": {
            trail.record_key(seq): json.dumps(successor),
            trail.record_key(seq + 1): json.dumps(victim),
        },
        "inserted": {trail.record_key(max(records) + 1): forged_beyond},
    }
    for case, changes in cases.items():
        # Hold off the sealer meanwhile: no new record while the trail is tampered with.
        with tampered(redis, changes):
            broken = manage_audit(system, "verify")
        assert broken.returncode != 0, case
        named = max(records) + 1 if case == "inserted" else seq
        assert f"record seq {named}" in broken.stderr, (case, broken.stderr)
    assert manage_audit(system, "verify").returncode == 0


def test_export_writes_json_lines_within_the_time_range(
    system: RunningSystem, alice: WebappUser
) -> None:
    task = alice.create("exported")
    sealed = wait_for_record(system, action_on("task.created", task["id"]))
    moment = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sealed["time_ms"] / 1000))
    exported = manage_audit(system, "export", "--since", moment + "Z")
    assert exported.returncode == 0, exported.stderr
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    assert sealed["id"] in {line["id"] for line in lines}
    assert all(line["time_ms"] >= sealed["time_ms"] - 1000 for line in lines)
    before = manage_audit(system, "export", "--until", moment + "Z")
    assert sealed["id"] not in before.stdout


def make_staff(system: RunningSystem, username: str) -> None:
    code = (
        "from django.contrib.auth.models import User; "
        f"User.objects.filter(username={username!r}).update(is_staff=True)"
    )
    system.manage("shell", "--no-imports", "-c", code)


def test_preferences_test_email_and_operator_access_are_recorded(
    system: RunningSystem, alice: WebappUser
) -> None:
    from tests.integration.test_preferences import etag_on, save

    status, _ = save(alice, etag_on(alice.client.get("/settings/").text))
    assert status == 200
    changed = wait_for_record(
        system,
        lambda r: r["action"] == "preferences.changed" and r["actor"]["username"] == alice.username,
    )
    assert changed["outcome"] == "success"
    alice.post("/settings/test-email", headers={"HX-Request": "true"})
    wait_for_record(
        system, lambda r: r["action"] == "email.test" and r["actor"]["username"] == alice.username
    )
    # Not staff: refused, and the refusal recorded.
    assert alice.client.get("/ops/audit/").status_code == 403
    wait_for_record(
        system,
        lambda r: (
            r["action"] == "ops.access"
            and r["outcome"] == "denied"
            and r["actor"]["username"] == alice.username
        ),
    )


def test_the_audit_page_lists_and_filters_records_for_staff(
    system: RunningSystem, alice: WebappUser
) -> None:
    make_staff(system, alice.username)
    task = alice.create("shown on the audit page")
    sealed = wait_for_record(system, action_on("task.created", task["id"]))
    page = alice.client.get(
        "/ops/audit/", params={"user": alice.username, "action": "task.created"}
    )
    assert page.status_code == 200
    assert f'id="audit-{sealed["seq"]}"' in page.text
    other = alice.client.get("/ops/audit/", params={"user": alice.username, "outcome": "denied"})
    assert f'id="audit-{sealed["seq"]}"' not in other.text
    wait_for_record(
        system,
        lambda r: (
            r["action"] == "ops.access"
            and r["outcome"] == "success"
            and r["actor"]["username"] == alice.username
        ),
    )


def test_a_dead_letter_read_is_recorded_with_the_calling_app(system: RunningSystem) -> None:
    # As sync-worker's sidecar delivers a call from webapp: no app invokes this route, so
    # the access policies refuse it through service invocation (test_access_control).
    response = httpx.get(
        f"{system.service('sync_worker').app_url}/ops/dead-letters",
        headers={
            "User-Agent": "dead-letter-reader",
            "dapr-api-token": system.app_api_token,
            "dapr-caller-app-id": "webapp",
        },
    )
    assert response.status_code == 200
    read = wait_for_record(
        system,
        lambda r: r["action"] == "dead_letters.read" and r["user_agent"] == "dead-letter-reader",
    )
    assert (read["actor"]["app_id"], read["app_id"]) == ("webapp", "sync-worker")


# Last: it prunes what the tests before it sealed.
def test_prune_keeps_the_chain_verifiable_and_is_recorded(
    system: RunningSystem, alice: WebappUser
) -> None:
    trail_with_records(system, alice, 2)
    cutoff = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1))
    pruned = manage_audit(system, "prune", "--before", cutoff)
    assert pruned.returncode == 0, pruned.stderr
    assert "pruned" in pruned.stdout
    wait_for_record(system, lambda r: r["action"] == "audit.prune")
    verified = manage_audit(system, "verify")
    assert verified.returncode == 0, verified.stderr
    redis = redis_client(system)
    assert redis.exists(trail.record_key(1)) == 0
