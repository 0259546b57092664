"""One audit record: who did what to which target, with what outcome, from where.

Only the whitelisted FIELDS ever leave this module, and each is built here from named
parts, never copied from a request or form: no password, session key or token can reach
the trail by accident (tests/unit/audit/test_record.py).
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from common import tracing
from common.request_context import current_request

FIELDS = (
    "id",
    "time_ms",
    "actor",
    "action",
    "target",
    "outcome",
    "reason",
    "source_ip",
    "user_agent",
    "request_id",
    "trace_id",
    "app_id",
    "instance",
)
ACTOR_FIELDS = ("user_id", "username", "app_id")
TARGET_FIELDS = ("type", "id")
OUTCOMES = ("success", "denied", "failed")
USER_AGENT_MAX = 256
REASON_MAX = 200


def _instance() -> str:
    # Host and process: tells replicas of one app apart (pod name on Kubernetes).
    return f"{socket.gethostname()}:{os.getpid()}"


def actor_of(request: HttpRequest | None, user: Any = None) -> dict[str, Any]:
    """The signed-in user (id and name) or, for a call from a sidecar, its caller's app-id."""
    if user is None and request is not None:
        user = request.__dict__.get("_acached_user") or request.__dict__.get("_cached_user")
    if user is not None and getattr(user, "is_authenticated", False):
        return {"user_id": user.pk, "username": user.get_username(), "app_id": None}
    caller = request.headers.get("dapr-caller-app-id") if request is not None else None
    return {"user_id": None, "username": None, "app_id": caller}


def build(
    action: str,
    target_type: str,
    target_id: str | int | None,
    *,
    outcome: str = "success",
    reason: str = "",
    request: HttpRequest | None = None,
    actor: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A record of `action`; `request` defaults to the one being served."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome {outcome!r} is not one of {OUTCOMES}")
    request = request if request is not None else current_request.get()
    ids = tracing.ids()
    headers = request.headers if request is not None else {}
    chosen_actor = actor if actor is not None else actor_of(request)
    return {
        "id": str(uuid.uuid4()),
        "time_ms": int(time.time() * 1000),
        "actor": {name: chosen_actor.get(name) for name in ACTOR_FIELDS},
        "action": action,
        "target": {"type": target_type, "id": None if target_id is None else str(target_id)},
        "outcome": outcome,
        "reason": reason[:REASON_MAX],
        "source_ip": request.META.get("REMOTE_ADDR") if request is not None else None,
        "user_agent": headers.get("user-agent", "")[:USER_AGENT_MAX] or None,
        "request_id": headers.get("x-request-id") or None,
        "trace_id": ids[0] if ids else None,
        "app_id": settings.DAPR_APP_ID,
        "instance": _instance(),
    }


def whitelisted(raw: Any) -> dict[str, Any]:
    """`raw` cut down to FIELDS (what a sealer accepts from an event); ValueError if not one."""
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw.get("action"):
        raise ValueError("audit record lacks an id or action")
    record = {name: raw.get(name) for name in FIELDS}
    actor, target = raw.get("actor") or {}, raw.get("target") or {}
    if not isinstance(actor, dict) or not isinstance(target, dict):
        raise ValueError("audit record's actor or target is not an object")
    record["actor"] = {name: actor.get(name) for name in ACTOR_FIELDS}
    record["target"] = {name: target.get(name) for name in TARGET_FIELDS}
    return record
