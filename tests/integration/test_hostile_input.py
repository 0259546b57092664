"""Hostile input to every service of the running system: a 4xx with a message, never a 5xx, a
traceback in the answer, or an ERROR or Traceback line in the service's log.

Wrong JSON types, path traversal under /static/, a malformed etag on the settings form, and a
property-based test (hypothesis) over every JSON and form endpoint.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.dapr.guards import CALLER_HEADER, TOKEN_HEADER
from common.dapr_names import BINDINGS_WORKER_APP_ID, SYNC_WORKER_APP_ID, WEBAPP_APP_ID
from tests.conftest import RunningSystem
from tests.integration.webapp_http import WebappUser

pytestmark = pytest.mark.integration

PACKAGES = ("webapp", "sync_worker", "bindings_worker")
TRAVERSALS = [
    "/static/../config/settings/base.py",
    "/static/%2e%2e/config/settings/base.py",
    "/static/..%2fconfig/settings/base.py",
    "/static/%2e%2e%2f%2e%2e%2fconfig/settings/base.py",
    "/static/todo/../../../../config/settings/base.py",
]
# Bounded so that the whole property test runs in about a minute on a busy machine.
EXAMPLES = 50
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def json_bodies(fields: list[str]) -> st.SearchStrategy[bytes]:
    """Objects with the endpoint's own fields of any type, any JSON, and non-JSON bytes."""
    objects = st.fixed_dictionaries({}, optional={name: json_values for name in fields})
    return st.one_of(
        objects.map(lambda body: json.dumps(body).encode()),
        json_values.map(lambda body: json.dumps(body).encode()),
        st.binary(max_size=40),
    )


def form_bodies(fields: list[str]) -> st.SearchStrategy[dict[str, str]]:
    names = st.sampled_from(fields) | st.text(min_size=1, max_size=8)
    return st.dictionaries(names, st.text(max_size=30), max_size=len(fields) + 1)


def sidecar_headers(system: RunningSystem, caller: str) -> dict[str, str]:
    """What a sidecar sends into its app: the caller's app-id and the app token, if any."""
    headers = {CALLER_HEADER: caller, "content-type": "application/json"}
    token = getattr(system, "app_api_token", "")
    if token:
        headers[TOKEN_HEADER] = token
    return headers


def raw_get(port: int, path: str) -> tuple[int, str]:
    """GET `path` exactly as written (httpx would resolve the dots before sending)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        connection.close()


def assert_handled(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.request.url, response.text[:300])
    assert "Traceback" not in response.text, response.text[:300]


# The one ERROR a hostile body may cause by design: a poison event posted to the dead-letter
# route is logged at ERROR so that operators see it (sync_worker/dead_letters.py).
DEAD_LETTER_LOG = '"message": "dead-lettered task event"'


def failures_in_logs(system: RunningSystem, marks: dict[str, int]) -> list[str]:
    found = []
    for package, mark in marks.items():
        for line in system.app_process(package).lines[mark:]:
            if "Traceback" in line or ('"level": "ERROR"' in line and DEAD_LETTER_LOG not in line):
                found.append(f"{package}: {line[:300]}")
    return found


@pytest.fixture
def clean_logs(system: RunningSystem) -> Iterator[None]:
    """Fails the test when any service logged an ERROR or a traceback while it ran."""
    marks = {package: system.app_process(package).mark() for package in PACKAGES}
    yield
    assert failures_in_logs(system, marks) == []


@pytest.mark.parametrize("package", PACKAGES)
@pytest.mark.parametrize("path", TRAVERSALS)
def test_static_path_traversal_is_not_found(
    system: RunningSystem, package: str, path: str, clean_logs: None
) -> None:
    status, body = raw_get(system.service(package).app_port, path)
    assert status == 404
    assert "SECRET_KEY" not in body


def test_static_files_are_served_with_debug_off(system: RunningSystem) -> None:
    status, body = raw_get(system.service("webapp").app_port, "/static/todo/app.js")
    assert status == 200
    assert body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": 5}, "title"),
        ({"title": ["a list"]}, "title"),
        ({"title": {"an": "object"}}, "title"),
        ({"title": "t", "notes": 7}, "notes"),
        ({"title": "t", "idempotency_key": ["abcdefgh"]}, "idempotency_key"),
        ({"title": "t", "priority": False}, "priority"),
    ],
)
def test_wrong_json_type_on_create_is_400_naming_field(
    webapp_user: WebappUser, body: dict[str, Any], field: str, clean_logs: None
) -> None:
    response = webapp_user.client.post(
        "/tasks/",
        json=body,
        headers={"X-CSRFToken": webapp_user.csrf_token, "Accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith(f"{field} must be")


@pytest.mark.parametrize("version", ["1", [1], {"v": 1}, 1.5, True])
def test_wrong_version_type_on_complete_is_400_naming_field(
    webapp_user: WebappUser, version: Any, clean_logs: None
) -> None:
    task = webapp_user.create("hostile version")
    response = webapp_user.client.post(
        f"/tasks/{task['id']}/complete",
        json={"version": version} if version != "1" else {"version": "one"},
        headers={"X-CSRFToken": webapp_user.csrf_token, "Accept": "application/json"},
    )
    assert response.status_code == 400
    assert "version" in response.json()["error"]


def test_json_body_that_is_not_an_object_is_400(webapp_user: WebappUser, clean_logs: None) -> None:
    response = webapp_user.client.post(
        "/tasks/",
        json=["title", "t"],
        headers={"X-CSRFToken": webapp_user.csrf_token, "Accept": "application/json"},
    )
    assert response.status_code == 400
    assert "object" in response.json()["error"]


SETTINGS_FORM = {
    "time_zone": "UTC",
    "reminder_lead_minutes": "15",
    "reminder_emails": "on",
    "daily_digest": "on",
    "digest_time": "08:00",
}


@pytest.mark.parametrize("etag", ["not-an-etag", "1.5", "-3", "9" * 40, "1' OR '1'='1"])
def test_malformed_etag_on_settings_is_400_with_message(
    webapp_user: WebappUser, etag: str, clean_logs: None
) -> None:
    response = webapp_user.post("/settings/", {**SETTINGS_FORM, "etag": etag})
    assert response.status_code == 400
    assert "malformed" in response.text
    assert "unavailable" not in response.text


@pytest.mark.parametrize("etag", ["987654", ""])
def test_stale_or_missing_etag_on_settings_is_a_conflict(
    webapp_user: WebappUser, etag: str, clean_logs: None
) -> None:
    response = webapp_user.post("/settings/", {**SETTINGS_FORM, "etag": etag})
    assert response.status_code == 409


@pytest.fixture(scope="module")
def signed_in(system: RunningSystem) -> Iterator[tuple[WebappUser, dict[str, Any]]]:
    """One signed-in user with one task, for the property test of the browser routes."""
    user = WebappUser(system.service("webapp").app_url)
    task = user.create("target of generated requests")
    yield user, task
    user.close()


TASK_FIELDS = ["title", "notes", "due", "priority", "idempotency_key", "version", "direction"]
TASK_ACTIONS = ["edit", "complete", "reopen", "delete", "move"]


@PROPERTY
@given(
    action=st.sampled_from(["create", *TASK_ACTIONS]),
    as_json=st.booleans(),
    json_body=json_bodies(TASK_FIELDS),
    form_body=form_bodies(TASK_FIELDS),
    other_id=st.text(min_size=1, max_size=12),
    real_id=st.booleans(),
)
def test_property_task_routes_never_fail(
    signed_in: tuple[WebappUser, dict[str, Any]],
    system: RunningSystem,
    action: str,
    as_json: bool,
    json_body: bytes,
    form_body: dict[str, str],
    other_id: str,
    real_id: bool,
) -> None:
    user, task = signed_in
    marks = {"webapp": system.app_process("webapp").mark()}
    task_id = task["id"] if real_id else other_id
    path = "/tasks/" if action == "create" else f"/tasks/{quote(task_id, safe='')}/{action}"
    headers = {"X-CSRFToken": user.csrf_token, "Accept": "application/json"}
    if as_json:
        headers["content-type"] = "application/json"
        response = user.client.post(path, content=json_body, headers=headers)
    else:
        response = user.client.post(path, data=form_body, headers=headers)
    assert_handled(response)
    assert failures_in_logs(system, marks) == []


@PROPERTY
@given(form_body=form_bodies(["etag", *SETTINGS_FORM]), base=st.booleans())
def test_property_settings_and_signup_forms_never_fail(
    signed_in: tuple[WebappUser, dict[str, Any]],
    system: RunningSystem,
    form_body: dict[str, str],
    base: bool,
) -> None:
    user, _ = signed_in
    marks = {"webapp": system.app_process("webapp").mark()}
    body = {**SETTINGS_FORM, **form_body} if base else form_body
    assert_handled(user.post("/settings/", body))
    signup_fields = ["username", "email", "password1", "password2", "time_zone"]
    with httpx.Client(base_url=user.base_url, timeout=30) as anonymous:
        anonymous.get("/accounts/signup/")
        signup = {**dict.fromkeys(signup_fields, ""), **form_body}
        response = anonymous.post(
            "/accounts/signup/",
            data={**signup, "csrfmiddlewaretoken": anonymous.cookies.get("csrftoken", "")},
        )
    assert_handled(response)
    assert failures_in_logs(system, marks) == []


# The routes only a sidecar calls, with the caller their guard expects: (package, caller,
# method, path, the fields the route reads).
SIDECAR_ROUTES = [
    ("webapp", SYNC_WORKER_APP_ID, "POST", "/internal/session-user", ["session_key"]),
    ("webapp", BINDINGS_WORKER_APP_ID, "GET", "/internal/preferences", ["owner"]),
    ("bindings_worker", WEBAPP_APP_ID, "POST", "/api/test-email", ["owner"]),
    ("bindings_worker", WEBAPP_APP_ID, "POST", "/api/email-verification", ["owner", "link"]),
    ("bindings_worker", WEBAPP_APP_ID, "GET", "/api/reminders", ["owner"]),
    ("bindings_worker", WEBAPP_APP_ID, "POST", "/api/preferences-changed", ["owner"]),
    ("bindings_worker", "", "POST", "/events/task-events", ["entries", "metadata"]),
    ("sync_worker", "", "POST", "/events/task-events-live", ["id", "type", "data", "source"]),
    ("sync_worker", "", "POST", "/events/task-events", ["entries", "metadata"]),
    ("sync_worker", "", "POST", "/events/task-events-dead", ["id", "type", "data", "source"]),
    ("sync_worker", "", "POST", "/events/user-events", ["id", "type", "data", "source"]),
    ("sync_worker", WEBAPP_APP_ID, "POST", "/sessions/signed-out", ["owner", "session"]),
]


@PROPERTY
@given(
    route=st.sampled_from(SIDECAR_ROUTES),
    body=json_bodies(
        ["session_key", "owner", "link", "entries", "id", "type", "data", "source", "session"]
    ),
    query=st.text(max_size=12),
)
def test_property_sidecar_routes_never_fail(
    system: RunningSystem, route: tuple[str, str, str, str, list[str]], body: bytes, query: str
) -> None:
    package, caller, method, path, _ = route
    marks = {package: system.app_process(package).mark()}
    url = system.service(package).app_url + path
    headers = sidecar_headers(system, caller)
    if method == "GET":
        response = httpx.get(url, params={"owner": query}, headers=headers, timeout=30)
    else:
        response = httpx.post(url, content=body, headers=headers, timeout=30)
    assert_handled(response)
    assert failures_in_logs(system, marks) == []


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"version": "abc"}, "version"),
        ({"version": "-1"}, "version"),
        ({"version": ""}, "version"),
        ({"version": "1", "idempotency_key": "no spaces allowed"}, "idempotency_key"),
        ({"version": "1", "direction": "sideways"}, "direction"),
    ],
)
def test_malformed_hidden_fields_on_task_forms_are_400(
    webapp_user: WebappUser, fields: dict[str, str], named: str, clean_logs: None
) -> None:
    task = webapp_user.create("hidden fields")
    action = "move" if "direction" in fields else "complete"
    response = webapp_user.post(f"/tasks/{task['id']}/{action}", fields)
    assert response.status_code == 400
    assert named in response.json()["error"]


def test_unknown_task_id_is_404(webapp_user: WebappUser, clean_logs: None) -> None:
    response = webapp_user.post("/tasks/%00%ff../complete", {"version": "1"})
    assert response.status_code == 404
