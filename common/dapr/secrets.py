"""The Dapr secrets API: one named secret of one secret store."""

from __future__ import annotations

from common.dapr import client


async def get_secret(store: str, name: str) -> dict[str, str]:
    """The secret's key/value pairs (local.file: {name: value}); raises DaprError."""
    response = await client.call("GET", f"/v1.0/secrets/{store}/{name}", what=f"read secret {name}")
    values = response.json()
    return {str(key): str(value) for key, value in values.items()}
