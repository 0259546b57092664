"""Invoking output bindings through the local sidecar."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from common.dapr import client


async def invoke_binding(
    name: str,
    operation: str,
    data: Any,
    metadata: dict[str, str],
    timeout: float | None = None,
) -> httpx.Response:
    """Any answer of output binding `name` (its error text is the binding's to read).

    Raises DaprUnavailable when the sidecar gave no answer in time.
    """
    return await client.request(
        "POST",
        f"/v1.0/bindings/{quote(name, safe='')}",
        what=f"binding {name} {operation}",
        json={"operation": operation, "data": data, "metadata": metadata},
        timeout=timeout,
    )
