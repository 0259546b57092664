"""Settings fail at start, by name, when the environment is wrong."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from common.task_events import NOTES_MAX_LENGTH, TITLE_MAX_LENGTH
from devtools.topology import REPO_ROOT
from tests.task_event_factory import bulk_delivery, make_event
from tests.unit.service_process import service_python


def import_settings(module: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DAPR_TODO", "CHANNEL_"))
    }
    return subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        env={**clean, **env},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.mark.parametrize("module", ["config.settings.local", "config.settings.production"])
def test_missing_secret_key_fails_naming_it(module: str) -> None:
    result = import_settings(module)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize("missing", ["DAPR_API_TOKEN", "APP_API_TOKEN"])
def test_production_refuses_to_start_without_an_api_token(missing: str) -> None:
    tokens = {"DAPR_API_TOKEN": "dapr-token", "APP_API_TOKEN": "app-token"}
    tokens[missing] = ""
    result = import_settings("config.settings.production", DJANGO_SECRET_KEY="x", **tokens)
    assert result.returncode != 0
    assert f"Required environment variable {missing} is not set" in result.stderr


def test_production_starts_with_both_api_tokens() -> None:
    result = import_settings(
        "config.settings.production",
        DJANGO_SECRET_KEY="x",
        DAPR_API_TOKEN="dapr-token",
        APP_API_TOKEN="app-token",
    )
    assert result.returncode == 0, result.stderr


def test_unknown_service_fails_naming_choices() -> None:
    result = import_settings(
        "config.settings.local", DJANGO_SECRET_KEY="x", DAPR_TODO_SERVICE="mailer"
    )
    assert result.returncode != 0
    assert "DAPR_TODO_SERVICE must be one of webapp, sync_worker, bindings_worker" in result.stderr


def test_service_selects_its_urlconf() -> None:
    code = "import config.settings.local as s; print(s.ROOT_URLCONF, s.DAPR_APP_ID)"
    assert service_python(code, "sync_worker").split() == ["sync_worker.urls", "sync-worker"]


def test_sync_worker_needs_its_channel_layer() -> None:
    result = import_settings(
        "config.settings.local", DJANGO_SECRET_KEY="x", DAPR_TODO_SERVICE="sync_worker"
    )
    assert result.returncode != 0
    assert "CHANNEL_REDIS_URL" in result.stderr


def upload_limit(service: str) -> int:
    code = "import config.settings.local as s; print(s.DATA_UPLOAD_MAX_MEMORY_SIZE)"
    return int(service_python(code, service))


@pytest.mark.parametrize("service", ["sync_worker", "bindings_worker"])
def test_a_full_bulk_delivery_of_the_largest_events_fits_the_body_limit(service: str) -> None:
    # A bulk the worker refuses (400) is retried whole by Dapr, forever. A bulk holds up to
    # maxMessagesCount (100) events; a control character is six bytes once JSON-escaped.
    event = make_event(title="\x01" * TITLE_MAX_LENGTH, notes="\x01" * NOTES_MAX_LENGTH)
    cloudevent = {
        "specversion": "1.0",
        "id": f"outbox-{'0' * 36}",
        "source": "webapp",
        "type": event.type,
        "topic": "task-events",
        "pubsubname": "pubsub",
        "datacontenttype": "application/json",
        "traceparent": f"00-{'0' * 32}-{'0' * 16}-01",
        "time": "2026-01-05T09:30:00Z",
        "data": event.to_data(),
    }
    body = json.dumps(bulk_delivery(*[cloudevent] * 100)).encode()
    assert len(body) <= upload_limit(service)


def test_run_command_serves_with_debug_off() -> None:
    code = "import config.settings.local as s; print(s.DEBUG)"
    assert service_python(code, "webapp").strip() == "False"


def test_a_developer_turns_debug_on_by_hand() -> None:
    code = "import config.settings.local as s; print(s.DEBUG)"
    assert service_python(code, "webapp", DJANGO_DEBUG="1").strip() == "True"


def settings_values(module: str, names: list[str], **env: str) -> dict[str, object]:
    """The named settings of `module`, imported in a fresh process with `env`."""
    code = (
        f"import json, {module} as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}, default=str))"
    )
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DAPR_TODO", "AXES_"))
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SECRET_KEY": "x", **env},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_sends_hsts_and_secure_cookies_only() -> None:
    values = settings_values(
        "config.settings.production",
        ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS"],
        DAPR_API_TOKEN="t",
        APP_API_TOKEN="t",
    )
    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 3600,
    }


def test_lock_out_settings_come_from_the_environment() -> None:
    names = ["AXES_FAILURE_LIMIT", "AXES_COOLOFF_SECONDS", "SYNC_MAX_SOCKETS_PER_USER"]
    assert settings_values("config.settings.local", names) == {
        "AXES_FAILURE_LIMIT": 5,
        "AXES_COOLOFF_SECONDS": 900,
        "SYNC_MAX_SOCKETS_PER_USER": 20,
    }
    chosen = settings_values(
        "config.settings.local",
        names,
        AXES_FAILURE_LIMIT="3",
        AXES_COOLOFF_SECONDS="60",
        SYNC_MAX_SOCKETS_PER_USER="4",
    )
    assert chosen == {
        "AXES_FAILURE_LIMIT": 3,
        "AXES_COOLOFF_SECONDS": 60,
        "SYNC_MAX_SOCKETS_PER_USER": 4,
    }


def test_the_content_security_policy_allows_no_inline_script_or_style() -> None:
    (policy,) = settings_values(
        "config.settings.local",
        ["CONTENT_SECURITY_POLICY"],
        SYNC_WEBSOCKET_URL="ws://127.0.0.1:8411/ws/tasks/",
    ).values()
    assert isinstance(policy, dict)
    directives = policy["DIRECTIVES"]
    assert directives["script-src"] == directives["style-src"] == ["'self'"]
    assert directives["connect-src"] == ["'self'", "ws://127.0.0.1:8411"]
    assert directives["frame-ancestors"] == directives["object-src"] == ["'none'"]
