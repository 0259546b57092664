"""Who is signed in on a session: asked of webapp, which owns sessions, by service invocation."""

from __future__ import annotations

import httpx

from common.dapr.errors import DaprError
from common.dapr.invoke import invoke
from common.dapr_names import WEBAPP_APP_ID

SESSION_USER_PATH = "internal/session-user"


class SessionCheckUnavailable(RuntimeError):
    """webapp (or the sidecar) could not answer; the tab should try again later."""


async def find_session_user(session_key: str) -> int | None:
    """The id of the user signed in with `session_key`, or None when there is none."""
    try:
        response = await invoke(
            WEBAPP_APP_ID, SESSION_USER_PATH, method="POST", json={"session_key": session_key}
        )
    except DaprError as error:
        raise SessionCheckUnavailable(f"session check failed: {error}") from error
    if response.status_code in (httpx.codes.NOT_FOUND, httpx.codes.BAD_REQUEST):
        return None
    if not response.is_success:
        raise SessionCheckUnavailable(
            f"session check answered {response.status_code}: {response.text[:200]}"
        )
    user_id = response.json().get("user_id")
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise SessionCheckUnavailable(f"session check answered no user id: {response.text[:200]}")
    return user_id
