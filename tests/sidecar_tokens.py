"""The API token each test sidecar requires, by its ports, for tests that call one directly.

Every test system has its own tokens (devtools/credentials.py), and helpers that take only a
`Service` (publishing a raw event, a state read) cannot reach the system. The fixtures register
each service they start here; `sidecar_headers` is what a direct call sends.
"""

from __future__ import annotations

from common.dapr.guards import TOKEN_HEADER
from devtools.topology import Service

_tokens: dict[int, str] = {}


def register(service: Service, token: str) -> None:
    _tokens[service.dapr_http_port] = token
    _tokens[service.dapr_grpc_port] = token


def token_for(service: Service) -> str:
    """The token `service`'s sidecar requires (KeyError if no fixture started it)."""
    return _tokens[service.dapr_http_port]


def sidecar_headers(service: Service) -> dict[str, str]:
    return {TOKEN_HEADER: token_for(service)}
