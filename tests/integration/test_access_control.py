"""Service invocation is denied by default: only the calls the code makes get through.

The callee's sidecar checks each call against its access policies (devtools/access_control.py,
from helm/dapr-todo/files/access-control.yaml), naming the caller by its mTLS certificate.
Every listed call works; for every pair of apps a path and a verb the list does not give
that caller are refused by the callee's sidecar with 403, at once, with Dapr's reason; and
when an app's own call is refused, its audit trail records the denial.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from common.dapr_names import (
    BINDINGS_WORKER_APP_ID,
    OWNER_ACTOR_TYPE,
    SYNC_WORKER_APP_ID,
    WEBAPP_APP_ID,
)
from common.session_ids import fingerprint
from devtools import access_control, sentry
from devtools.topology import SERVICE_PACKAGES
from tests.conftest import RunningSystem, running_system
from tests.integration.test_audit import wait_for_record
from tests.integration.verification import system_secret_key, verify_address
from tests.integration.webapp_http import WebappUser
from tests.sidecar_tokens import sidecar_headers
from webapp.preferences.verification import verification_link

pytestmark = pytest.mark.integration

TIMEOUT = 10.0
# A refusal is the callee sidecar's answer, not a timeout: it comes back well within this.
PROMPT_SECONDS = 3.0
PACKAGES = {app_id: package for package, app_id in SERVICE_PACKAGES.items()}

# (caller, callee, verb, path): for each pair of apps, a route the callee serves that the
# caller may not call, and a verb the caller may not use (on a path some caller may use).
REFUSED = [
    (WEBAPP_APP_ID, BINDINGS_WORKER_APP_ID, "POST", "/digest-cron"),
    (WEBAPP_APP_ID, BINDINGS_WORKER_APP_ID, "DELETE", "/api/reminders"),
    (WEBAPP_APP_ID, SYNC_WORKER_APP_ID, "GET", "/ops/dead-letters"),
    (WEBAPP_APP_ID, SYNC_WORKER_APP_ID, "POST", "/ops/metadata"),
    (SYNC_WORKER_APP_ID, WEBAPP_APP_ID, "GET", "/internal/preferences"),
    (SYNC_WORKER_APP_ID, WEBAPP_APP_ID, "GET", "/internal/session-user"),
    (SYNC_WORKER_APP_ID, BINDINGS_WORKER_APP_ID, "POST", "/api/test-email"),
    (SYNC_WORKER_APP_ID, BINDINGS_WORKER_APP_ID, "GET", "/ops/metadata"),
    (BINDINGS_WORKER_APP_ID, WEBAPP_APP_ID, "POST", "/internal/session-user"),
    (BINDINGS_WORKER_APP_ID, WEBAPP_APP_ID, "POST", "/internal/preferences"),
    (BINDINGS_WORKER_APP_ID, SYNC_WORKER_APP_ID, "POST", "/events/task-events"),
    (BINDINGS_WORKER_APP_ID, SYNC_WORKER_APP_ID, "GET", "/ops/metadata"),
]


def allowed() -> list[tuple[str, str, str, str]]:
    """(caller, callee, verb, path) for every call the list allows."""
    return [
        (caller, callee, verb, path)
        for callee, callers in access_control.allowed_calls().items()
        for caller, paths in callers.items()
        for path, verbs in paths.items()
        for verb in verbs
    ]


def invoke(
    system: RunningSystem, caller: str, callee: str, verb: str, path: str, **kwargs: Any
) -> httpx.Response:
    """Calls `path` on `callee` through `caller`'s sidecar, as `caller` does."""
    sidecar = system.service(PACKAGES[caller])
    return httpx.request(
        verb,
        f"{sidecar.sidecar_url}/v1.0/invoke/{callee}/method{path}",
        headers=sidecar_headers(sidecar),
        timeout=TIMEOUT,
        **kwargs,
    )


@pytest.fixture(scope="module")
def owner(system: RunningSystem) -> tuple[int, str]:
    name = f"acl{uuid.uuid4().hex[:10]}"
    email = f"{name}@example.com"
    owner = system.create_user(name, email)
    verify_address(system, owner, email)
    return owner, email


def request_for(
    system: RunningSystem, owner: tuple[int, str], session_key: str, verb: str, path: str
) -> dict[str, Any]:
    """What the code sends with each allowed call (KeyError: a new call needs a line here)."""
    user_id, email = owner
    link = verification_link(user_id, email, key=system_secret_key(system))
    requests: dict[tuple[str, str], dict[str, Any]] = {
        ("POST", "/api/preferences-changed"): {"json": {"owner": user_id}},
        ("POST", "/api/test-email"): {"json": {"owner": user_id}},
        ("POST", "/api/email-verification"): {"json": {"owner": user_id, "link": link}},
        ("GET", "/api/reminders"): {"params": {"owner": user_id}},
        ("GET", "/ops/metadata"): {},
        ("POST", "/internal/session-user"): {"json": {"session_key": session_key}},
        ("POST", "/sessions/signed-out"): {
            "json": {"owner": user_id, "session": fingerprint(session_key)}
        },
        ("GET", "/internal/preferences"): {"params": {"owner": user_id}},
    }
    return requests[(verb, path)]


@pytest.mark.parametrize(("caller", "callee", "verb", "path"), allowed())
def test_every_allowed_call_works(
    system: RunningSystem,
    owner: tuple[int, str],
    webapp_user: WebappUser,
    caller: str,
    callee: str,
    verb: str,
    path: str,
) -> None:
    kwargs = request_for(system, owner, webapp_user.session_key, verb, path)
    response = invoke(system, caller, callee, verb, path, **kwargs)
    assert response.is_success, response.text


@pytest.mark.parametrize(("caller", "callee", "verb", "path"), REFUSED)
def test_a_call_the_list_does_not_allow_is_refused_by_the_callees_sidecar(
    system: RunningSystem, caller: str, callee: str, verb: str, path: str
) -> None:
    assert (caller, callee, verb, path) not in allowed()
    started = time.monotonic()
    response = invoke(system, caller, callee, verb, path, json={})
    assert time.monotonic() - started < PROMPT_SECONDS
    assert response.status_code == 403, response.text
    error = response.json()
    assert error["errorCode"] == "ERR_DIRECT_INVOKE"
    caller_id = sentry.spiffe_id(sentry.APP_TRUST_DOMAIN, caller)
    assert f"access control policy has denied access to id: {caller_id}" in error["message"]
    assert f"verb: {verb}" in error["message"]


def test_a_path_below_an_allowed_one_passes_the_policy(system: RunningSystem) -> None:
    """Dapr 1.18.2 allows a listed path and every path below it (acl_trie.go): the app, not
    the sidecar, answers this one, so no listed path may be the parent of a private one."""
    response = invoke(system, WEBAPP_APP_ID, BINDINGS_WORKER_APP_ID, "GET", "/api/reminders/x")
    assert response.status_code == 404
    assert "errorCode" not in response.text


def test_actor_calls_do_not_pass_through_the_policies(
    system: RunningSystem, owner: tuple[int, str]
) -> None:
    """Dapr 1.18.2 checks policies on service invocation only (CallLocal, not CallActor):
    webapp's sidecar reaches bindings-worker's actors though the list gives it no such path.
    Any sidecar of the system may call them: this asserts the gap, so a release that closes
    it shows here."""
    webapp = system.service("webapp")
    response = httpx.post(
        f"{webapp.sidecar_url}/v1.0/actors/{OWNER_ACTOR_TYPE}/{owner[0]}/method/list",
        headers=sidecar_headers(webapp),
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text


def without(calls: access_control.AllowedCalls, callee: str, caller: str, path: str) -> Any:
    narrowed = {k: {c: dict(p) for c, p in v.items()} for k, v in calls.items()}
    del narrowed[callee][caller][path]
    return narrowed


@pytest.fixture(scope="module")
def narrowed_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    """A system whose policies refuse webapp the reminders list its settings page asks for."""
    real: Callable[..., access_control.AllowedCalls] = access_control.allowed_calls

    def narrowed(source: Path = access_control.ACCESS_CONTROL_FILE) -> Any:
        return without(real(source), BINDINGS_WORKER_APP_ID, WEBAPP_APP_ID, "/api/reminders")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(access_control, "allowed_calls", narrowed)
        with running_system(tmp_path_factory.mktemp("narrowed")) as running:
            yield running


def test_a_refused_call_of_the_app_is_a_clear_page_and_a_denied_record(
    narrowed_system: RunningSystem,
) -> None:
    user = WebappUser(narrowed_system.service("webapp").app_url)
    try:
        started = time.monotonic()
        page = user.client.get("/settings/", headers={"User-Agent": "acl-test"})
        assert time.monotonic() - started < PROMPT_SECONDS + 2
        assert page.status_code == 200
        assert "Your upcoming reminders cannot be shown right now" in page.text
        record = wait_for_record(
            narrowed_system,
            lambda r: (
                r["action"] == "invoke.call"
                and r["target"] == {"type": "app_method", "id": "bindings-worker/api/reminders"}
            ),
        )
        assert (record["outcome"], record["app_id"]) == ("denied", WEBAPP_APP_ID)
        # The app keeps Dapr's first 120 characters of the refusal (common/dapr/invoke.py).
        assert "ERR_DIRECT_INVOKE" in record["reason"]
    finally:
        user.close()
