"""The one error hierarchy of the Dapr gateway, whatever building block was called.

DaprError
├── DaprUnavailable   no answer in time, unreachable, or the backing store failed (5xx):
│                     the same call may work later (answer 503, or RETRY an event)
├── DaprConflict      a stale ETag: someone wrote the key first (report it, 409)
├── DaprRefused       the sidecar refused the call (401/403: API token, access policy,
│                     scope): a deployment error, retrying does not help
└── DaprBadRequest    the sidecar rejected the request itself (400/404/405/413): a bug
"""

from __future__ import annotations

import httpx


class DaprError(RuntimeError):
    """A call through the Dapr sidecar did not do what was asked."""


class DaprUnavailable(DaprError):
    """The sidecar or the service behind it did not answer, or failed: try again later."""


class DaprConflict(DaprError):
    """Someone wrote the key since it was read (or created it first): a lost race."""


class DaprRefused(DaprError):
    """The sidecar refused the call: a missing token, an access policy or a scope."""


class DaprBadRequest(DaprError):
    """The sidecar could not make sense of the request."""


REFUSED = frozenset({httpx.codes.UNAUTHORIZED, httpx.codes.FORBIDDEN})
BAD_REQUEST = frozenset(
    {
        httpx.codes.BAD_REQUEST,
        httpx.codes.NOT_FOUND,
        httpx.codes.METHOD_NOT_ALLOWED,
        httpx.codes.REQUEST_ENTITY_TOO_LARGE,
    }
)


def error_for(status: int, message: str) -> DaprError:
    """The error a failed sidecar answer with `status` means."""
    if status == httpx.codes.CONFLICT:
        return DaprConflict(message)
    if status in REFUSED:
        return DaprRefused(message)
    if status in BAD_REQUEST:
        return DaprBadRequest(message)
    return DaprUnavailable(message)


def raise_for_status(response: httpx.Response, what: str) -> None:
    """Raises the DaprError a non-2xx sidecar answer means; `what` names the call."""
    if not response.is_success:
        raise error_for(
            response.status_code, f"{what}: {response.status_code} {response.text[:200]}"
        )
