"""What the local sidecar says about itself: readiness and its metadata API."""

from __future__ import annotations

from typing import Any

from common.dapr import client, state
from common.dapr.errors import DaprError

OUTBOUND_HEALTH_PATH = "/v1.0/healthz/outbound"
TIMEOUT_SECONDS = 3.0


async def outbound_ready(timeout: float = 2.0) -> tuple[bool, str]:
    """Whether the sidecar can serve this app's outbound calls (components loaded).

    Returns (ready, reason); the reason is shown on /readyz when not ready.
    """
    try:
        response = await client.request(
            "GET", OUTBOUND_HEALTH_PATH, what="sidecar health", timeout=timeout
        )
    except DaprError as error:
        return False, f"sidecar unreachable at {client.sidecar_http_url()}: {error}"
    if response.is_success:
        return True, "sidecar ready"
    return False, f"sidecar answered {response.status_code} at {OUTBOUND_HEALTH_PATH}"


# Read on every readiness probe (a missing key: one cheap GET on the store's Redis).
PROBE_KEY = "readyz-probe"


async def store_reachable(store: str, timeout: float = 1.0) -> tuple[bool, str]:
    """Whether `store` answers a read within `timeout` seconds, through the sidecar.

    The sidecar's own health does not look at its components: with the store's Redis
    frozen or gone it still answers, while every write would hang or fail.
    """
    try:
        await state.get_item(store, PROBE_KEY, timeout=timeout)
    except DaprError as error:
        return False, f"{store} unreachable: {error}"
    return True, f"{store} reachable"


async def sidecar_metadata() -> dict[str, Any]:
    """The sidecar's metadata API answer; raises DaprError."""
    response = await client.call(
        "GET", "/v1.0/metadata", what="sidecar metadata", timeout=TIMEOUT_SECONDS
    )
    return dict(response.json())
