"""Service invocation by app-id through the local sidecar (never another service's address).

    response = await invoke(dapr_names.BINDINGS_WORKER_APP_ID, "api/reminders",
                            params={"owner": 7})

The called app's sidecar adds `dapr-caller-app-id`, which the callee checks (`guards`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
from django.dispatch import Signal

from common.dapr import client

# kwargs `app_id`, `path`, `detail`: a call this app made was refused (audit/signals.py).
invocation_refused = Signal()


def invoke_path(app_id: str, method_path: str) -> str:
    return f"/v1.0/invoke/{quote(app_id, safe='')}/method/{method_path.lstrip('/')}"


async def invoke(
    app_id: str,
    path: str,
    *,
    method: str = "GET",
    json: Any = None,
    params: dict[str, Any] | None = None,
    timeout: float | None = None,
) -> httpx.Response:
    """Calls `path` on `app_id`; any HTTP answer is returned for the caller to judge.

    The deadline is `timeout` seconds, by default DAPR_CALL_TIMEOUT_SECONDS.

    Raises DaprUnavailable when no answer came in time. A 403 (the callee's sidecar's
    access policy, or the callee's own guard) sends `invocation_refused` for the audit trail.
    """
    response = await client.request(
        method,
        invoke_path(app_id, path),
        what=f"invoke {app_id} {path}",
        json=json,
        params=params,
        timeout=timeout,
    )
    if response.status_code == httpx.codes.FORBIDDEN:
        invocation_refused.send(invoke, app_id=app_id, path=path, detail=response.text[:120])
    return response
