"""Where this process's Dapr sidecar listens, and whether it is ready.

Dapr passes the sidecar's ports to the app as DAPR_HTTP_PORT / DAPR_GRPC_PORT; the
sidecar always runs beside the app, so the host is loopback.
"""

from __future__ import annotations

import httpx
from django.conf import settings

OUTBOUND_HEALTH_PATH = "/v1.0/healthz/outbound"


def sidecar_http_url() -> str:
    return f"http://127.0.0.1:{settings.DAPR_HTTP_PORT}"


def api_token_headers() -> dict[str, str]:
    """The `dapr-api-token` header when the sidecar is guarded by DAPR_API_TOKEN."""
    token = settings.DAPR_API_TOKEN
    return {"dapr-api-token": token} if token else {}


async def sidecar_outbound_ready(timeout: float = 2.0) -> tuple[bool, str]:
    """Whether the sidecar can serve this app's outbound calls (components loaded).

    Returns (ready, reason); the reason is shown on /readyz when not ready.
    """
    url = sidecar_http_url() + OUTBOUND_HEALTH_PATH
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.get(url, headers=api_token_headers())
    except httpx.HTTPError as error:
        return False, f"sidecar unreachable at {url}: {type(error).__name__}"
    if response.status_code == httpx.codes.NO_CONTENT or response.is_success:
        return True, "sidecar ready"
    return False, f"sidecar answered {response.status_code} at {url}"
