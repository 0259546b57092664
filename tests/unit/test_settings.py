"""Settings fail at start, by name, when the environment is wrong."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from devtools.topology import REPO_ROOT


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


@pytest.mark.parametrize("module", ["webapp.settings.local", "webapp.settings.production"])
def test_missing_secret_key_fails_naming_it(module: str) -> None:
    result = import_settings(module)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_unknown_service_fails_naming_choices() -> None:
    result = import_settings(
        "webapp.settings.local", DJANGO_SECRET_KEY="x", DAPR_TODO_SERVICE="mailer"
    )
    assert result.returncode != 0
    assert "DAPR_TODO_SERVICE must be one of webapp, sync_worker, bindings_worker" in result.stderr


def test_service_selects_its_urlconf() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import webapp.settings.local as s; print(s.ROOT_URLCONF, s.DAPR_APP_ID)",
        ],
        env={
            **os.environ,
            "DJANGO_SECRET_KEY": "x",
            "DAPR_TODO_SERVICE": "sync_worker",
            "CHANNEL_REDIS_URL": "redis://127.0.0.1:1/0",
        },
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.split() == ["sync_worker.urls", "sync-worker"]


def test_sync_worker_needs_its_channel_layer() -> None:
    result = import_settings(
        "webapp.settings.local", DJANGO_SECRET_KEY="x", DAPR_TODO_SERVICE="sync_worker"
    )
    assert result.returncode != 0
    assert "CHANNEL_REDIS_URL" in result.stderr
