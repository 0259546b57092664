"""Service invocation by app-id through the local sidecar (never another service's address).

    response = await invoke(dapr_names.BINDINGS_WORKER_APP_ID, "api/reminders",
                            params={"owner": 7})

The called app's sidecar adds `dapr-caller-app-id`, which the callee checks.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from common.sidecar import sidecar_http_url
from common.sidecar_client import sidecar_client

DEFAULT_TIMEOUT_SECONDS = 10.0


class InvocationFailed(RuntimeError):
    """The sidecar could not be reached or gave no answer in time."""


def invoke_url(app_id: str, path: str) -> str:
    return f"{sidecar_http_url()}/v1.0/invoke/{quote(app_id, safe='')}/method/{path.lstrip('/')}"


async def invoke(
    app_id: str,
    path: str,
    *,
    method: str = "GET",
    json: Any = None,
    params: dict[str, Any] | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> httpx.Response:
    """Calls `path` on `app_id`; any HTTP answer is returned for the caller to judge."""
    try:
        return await sidecar_client().request(
            method, invoke_url(app_id, path), json=json, params=params, timeout=timeout
        )
    except httpx.HTTPError as error:
        raise InvocationFailed(f"invoking {app_id} {path}: {type(error).__name__}") from None
