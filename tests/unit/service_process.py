"""Python run in a fresh process started as one service: settings are read once, at import."""

from __future__ import annotations

import os
import subprocess
import sys

from devtools.topology import REPO_ROOT


def service_python(code: str, service: str, **env: str) -> str:
    """The standard output of `code`, run with `service`'s environment (plus `env`)."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **os.environ,
            "DJANGO_SECRET_KEY": "x",
            "DAPR_TODO_SERVICE": service,
            "CHANNEL_REDIS_URL": "redis://127.0.0.1:1/0",
            **env,
        },
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout
