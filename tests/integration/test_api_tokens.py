"""API tokens on every hop: app → sidecar (DAPR_API_TOKEN) and sidecar → app (APP_API_TOKEN).

Without the token every sidecar API refuses, over HTTP (401) and gRPC (UNAUTHENTICATED);
every app route only a sidecar may call refuses a direct call with 401 even when the caller
forges `dapr-caller-app-id`, and the forged call changes nothing: a forged task event
reaches no tab, a forged test e-mail sends no mail, a forged session lookup names no one.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from dapr.clients import DaprClient
from dapr.clients.exceptions import DaprGrpcError
from dapr.conf import settings as dapr_settings

from common.dapr_names import BINDINGS_WORKER_APP_ID, PUBSUB, SMTP_BINDING, STATE_STORE
from devtools.mailsink import read_index, wait_for_messages
from tests.conftest import RunningSystem
from tests.integration.clients import cloudevent, receive, send_hello, session_user_id
from tests.integration.publishing import task_event
from tests.integration.test_audit import wait_for_record
from tests.integration.verification import verify_address
from tests.integration.webapp_http import WebappUser
from tests.sidecar_tokens import sidecar_headers

pytestmark = pytest.mark.integration

TIMEOUT = 10.0
FORGED_CALLER = {"dapr-caller-app-id": "webapp"}

# (sidecar's service, method, path, body): one call of each building block the apps use.
SIDECAR_APIS = [
    ("webapp", "GET", f"/v1.0/state/{STATE_STORE}/tokens-test", None),
    ("webapp", "POST", f"/v1.0/state/{STATE_STORE}", [{"key": "tokens-test", "value": 1}]),
    ("webapp", "POST", f"/v1.0/publish/{PUBSUB}/task-events-live", {"forged": True}),
    ("webapp", "GET", f"/v1.0/invoke/{BINDINGS_WORKER_APP_ID}/method/api/reminders", None),
    ("webapp", "GET", "/v1.0/metadata", None),
    ("sync_worker", "GET", "/v1.0/metadata", None),
    ("bindings_worker", "GET", "/v1.0/metadata", None),
    ("bindings_worker", "POST", f"/v1.0/bindings/{SMTP_BINDING}", {"operation": "create"}),
    ("bindings_worker", "GET", "/v1.0/secrets/secretstore/bulk", None),
    ("bindings_worker", "POST", "/v1.0-alpha1/lock/lockstore",
     {"resourceId": "r", "lockOwner": "o", "expiryInSeconds": 5}),
]  # fmt: skip

# (service, method, path): every route of every app that only its sidecar may call.
SIDECAR_ONLY_ROUTES = [
    ("webapp", "POST", "/internal/session-user"),
    ("webapp", "GET", "/internal/preferences"),
    ("sync_worker", "POST", "/events/task-events-live"),
    ("sync_worker", "POST", "/events/task-events"),
    ("sync_worker", "POST", "/events/task-events-dead"),
    ("sync_worker", "POST", "/events/user-events"),
    ("sync_worker", "GET", "/ops/dead-letters"),
    ("sync_worker", "GET", "/ops/metadata"),
    ("sync_worker", "POST", "/sessions/signed-out"),
    ("bindings_worker", "POST", "/digest-cron"),
    ("bindings_worker", "POST", "/events/task-events"),
    ("bindings_worker", "POST", "/events/audit"),
    ("bindings_worker", "GET", "/dapr/config"),
    ("bindings_worker", "PUT", "/actors/OwnerReminders/1/method/list"),
    ("bindings_worker", "POST", "/api/test-email"),
    ("bindings_worker", "POST", "/api/email-verification"),
    ("bindings_worker", "GET", "/api/reminders"),
    ("bindings_worker", "POST", "/api/preferences-changed"),
]


@pytest.mark.parametrize(("package", "method", "path", "body"), SIDECAR_APIS)
@pytest.mark.parametrize("token", ["", "not-the-token"], ids=["no-token", "wrong-token"])
def test_a_sidecar_api_call_without_the_token_is_refused(
    system: RunningSystem, package: str, method: str, path: str, body: Any, token: str
) -> None:
    headers = {"dapr-api-token": token} if token else {}
    url = system.service(package).sidecar_url + path
    response = httpx.request(method, url, json=body, headers=headers, timeout=TIMEOUT)
    assert response.status_code == 401, response.text


def test_the_same_sidecar_call_with_the_token_works(system: RunningSystem) -> None:
    webapp = system.service("webapp")
    response = httpx.get(
        f"{webapp.sidecar_url}/v1.0/metadata", headers=sidecar_headers(webapp), timeout=TIMEOUT
    )
    assert response.status_code == 200
    assert response.json()["id"] == "webapp"


def test_a_grpc_call_without_the_token_is_unauthenticated(
    system: RunningSystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    webapp = system.service("webapp")
    monkeypatch.setattr(dapr_settings, "DAPR_HTTP_PORT", webapp.dapr_http_port)
    monkeypatch.setattr(dapr_settings, "DAPR_HEALTH_TIMEOUT", 5)
    monkeypatch.setattr(dapr_settings, "DAPR_API_TOKEN", None)
    address = f"127.0.0.1:{webapp.dapr_grpc_port}"
    with DaprClient(address=address) as client, pytest.raises(DaprGrpcError) as refused:
        client.get_state(STATE_STORE, "tokens-test")
    assert refused.value.code().name == "UNAUTHENTICATED"


@pytest.mark.parametrize(("package", "method", "path"), SIDECAR_ONLY_ROUTES)
def test_a_direct_call_of_a_sidecar_only_route_is_401_even_with_a_forged_caller(
    system: RunningSystem, package: str, method: str, path: str
) -> None:
    url = system.service(package).app_url + path
    response = httpx.request(method, url, json={}, headers=FORGED_CALLER, timeout=TIMEOUT)
    assert response.status_code == 401, response.text
    assert "dapr-api-token" in response.json()["error"]


def test_a_forged_session_lookup_names_no_one(system: RunningSystem) -> None:
    user = WebappUser(system.service("webapp").app_url)
    try:
        url = f"{system.service('webapp').app_url}/internal/session-user"
        forged = httpx.post(
            url,
            json={"session_key": user.session_key},
            headers={"dapr-caller-app-id": "sync-worker"},
            timeout=TIMEOUT,
        )
        assert forged.status_code == 401
        assert "user_id" not in forged.text
        # Through the sidecar, with the token, the same lookup answers.
        assert session_user_id(system.service("sync_worker"), user.session_key) > 0
    finally:
        user.close()


def test_a_forged_task_event_reaches_no_tab(system: RunningSystem, webapp_user: WebappUser) -> None:
    sync_worker = system.service("sync_worker")
    owner = session_user_id(sync_worker, webapp_user.session_key)
    forged = task_event(owner, due=None, title="Forged")
    forged_event = cloudevent(forged.to_data(), str(uuid.uuid4()), source="intruder")
    with webapp_user.socket(sync_worker) as socket:
        send_hello(socket)
        refused = httpx.post(
            f"{sync_worker.app_url}/events/task-events-live",
            content=json.dumps(forged_event),
            headers={"content-type": "application/cloudevents+json", **FORGED_CALLER},
            timeout=TIMEOUT,
        )
        assert refused.status_code == 401
        real = webapp_user.create("Real")
        # The first message the tab gets is the real change: the forged one went nowhere.
        first = receive(socket)
        assert first.task_id == real["id"]
        assert "Forged" not in first.html


def test_a_forged_test_email_sends_no_mail(system: RunningSystem) -> None:
    name = f"t{uuid.uuid4().hex[:10]}"
    email = f"{name}@example.com"
    owner = system.create_user(name, email)
    verify_address(system, owner, email)
    bindings_worker = system.service("bindings_worker")
    forged = httpx.post(
        f"{bindings_worker.app_url}/api/test-email",
        json={"owner": owner},
        headers=FORGED_CALLER,
        timeout=TIMEOUT,
    )
    assert forged.status_code == 401
    webapp = system.service("webapp")
    real = httpx.post(
        f"{webapp.sidecar_url}/v1.0/invoke/{BINDINGS_WORKER_APP_ID}/method/api/test-email",
        json={"owner": owner},
        headers=sidecar_headers(webapp),
        timeout=30,
    )
    assert real.status_code == 200, real.text
    wait_for_messages(system.mail_dir, lambda m: m["rcpt_tos"] == [email])
    # Mail is delivered in order of sending: the one that arrived is the real one's, alone.
    assert len([m for m in read_index(system.mail_dir) if m["rcpt_tos"] == [email]]) == 1


def test_a_call_without_the_token_leaves_a_denied_record(system: RunningSystem) -> None:
    marker = f"tokenless-{uuid.uuid4().hex[:8]}"
    response = httpx.get(
        f"{system.service('sync_worker').app_url}/ops/dead-letters",
        headers={"User-Agent": marker},
        timeout=TIMEOUT,
    )
    assert response.status_code == 401
    denied = wait_for_record(
        system, lambda r: r["outcome"] == "denied" and r["user_agent"] == marker
    )
    assert denied["app_id"] == "sync-worker"
    assert "dapr-api-token" in denied["reason"]
