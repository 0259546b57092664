"""What webapp asks of sync-worker, by service invocation through its sidecar.

sync-worker answers only the caller webapp (sync_worker/sign_out.py).
"""

from __future__ import annotations

import logging

from common.dapr.errors import DaprError
from common.dapr.invoke import invoke
from common.dapr_names import SYNC_WORKER_APP_ID
from common.session_ids import fingerprint

logger = logging.getLogger(__name__)

# Sign-out waits for this; a slow sync-worker must not hang it.
TIMEOUT_SECONDS = 5.0
SIGNED_OUT_PATH = "sessions/signed-out"


async def close_session_sockets(owner: int, session_key: str) -> bool:
    """Has sync-worker close the live sockets of one signed-out session on every instance.

    Returns whether it did. When it did, the close is ahead of any later push in each
    socket's queue (the channel layer keeps one publisher's order). A failure is only
    logged: the session is deleted already, so no new socket opens, and the tabs' next
    reconnect is refused.
    """
    body = {"owner": owner, "session": fingerprint(session_key)}
    try:
        response = await invoke(
            SYNC_WORKER_APP_ID, SIGNED_OUT_PATH, method="POST", json=body, timeout=TIMEOUT_SECONDS
        )
    except DaprError:
        logger.warning("signed-out session's sockets not closed: sync-worker unreachable")
        return False
    if not response.is_success:
        logger.warning(
            "signed-out session's sockets not closed",
            extra={"status": response.status_code, "answer": response.text[:200]},
        )
        return False
    return True
