"""Security events recorded from signals, not from edits in views: Django's auth signals,
django-axes' lock-out (when installed) and the sidecar guards' refusals."""

from __future__ import annotations

import asyncio
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth import signals as auth_signals
from django.contrib.auth.models import AbstractBaseUser
from django.db.models.signals import post_save
from django.http import HttpRequest

from audit import record
from audit.publish import send, send_sync


def emit(
    action: str,
    target_type: str,
    target_id: str | int | None,
    *,
    request: HttpRequest | None = None,
    user: Any = None,
    outcome: str = "success",
    reason: str = "",
) -> None:
    """Builds and sends a record from sync or async code (never raises, never blocks a loop)."""
    actor = record.actor_of(request, user) if user is not None else None
    built = record.build(
        action, target_type, target_id, outcome=outcome, reason=reason, request=request, actor=actor
    )
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        send_sync(built)
        return
    task = loop.create_task(send(built))
    _pending.add(task)
    task.add_done_callback(_pending.discard)


_pending: set[asyncio.Task[None]] = set()


def _logged_in(sender: Any, request: HttpRequest, user: AbstractBaseUser, **_: Any) -> None:
    emit("auth.sign_in", "user", user.pk, request=request, user=user)


def _signed_up(sender: Any, instance: Any, created: bool, **_: Any) -> None:
    if created:
        emit("auth.sign_up", "user", instance.pk, user=instance)


def _logged_out(sender: Any, request: HttpRequest, user: Any, **_: Any) -> None:
    if user is not None:
        emit("auth.sign_out", "user", user.pk, request=request, user=user)


def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any
) -> None:
    # Only the name tried: `credentials` holds the password, which never leaves here.
    username = str(credentials.get("username", ""))[:150]
    emit(
        "auth.sign_in",
        "user",
        None,
        request=request,
        outcome="failed",
        reason=f"wrong credentials for {username!r}",
    )


def _locked_out(
    sender: Any, request: HttpRequest | None = None, username: str = "", **_: Any
) -> None:
    emit(
        "auth.lock_out",
        "user",
        None,
        request=request,
        outcome="denied",
        reason=f"locked out: {str(username)[:150]!r}",
    )


def _refused(sender: Any, request: HttpRequest, reason: str, **_: Any) -> None:
    emit(
        "sidecar_route.call",
        "route",
        request.path,
        request=request,
        outcome="denied",
        reason=reason,
    )


def _invocation_refused(sender: Any, app_id: str, path: str, detail: str, **_: Any) -> None:
    emit(
        "invoke.call",
        "app_method",
        f"{app_id}/{path}",
        outcome="denied",
        reason=f"403 from {app_id}: {detail}",
    )


def connect() -> None:
    post_save.connect(_signed_up, sender=get_user_model(), dispatch_uid="audit.sign_up")
    auth_signals.user_logged_in.connect(_logged_in, dispatch_uid="audit.sign_in")
    auth_signals.user_logged_out.connect(_logged_out, dispatch_uid="audit.sign_out")
    auth_signals.user_login_failed.connect(_login_failed, dispatch_uid="audit.sign_in_failed")
    from common.dapr import guards, invoke

    guards.request_refused.connect(_refused, dispatch_uid="audit.refused")
    invoke.invocation_refused.connect(_invocation_refused, dispatch_uid="audit.invoke_refused")
    from django.apps import apps

    if not apps.is_installed("axes"):
        return  # only webapp signs users in (and installs django-axes)
    from axes.signals import user_locked_out  # type: ignore[import-untyped,import-not-found,unused-ignore]

    user_locked_out.connect(_locked_out, dispatch_uid="audit.lock_out")
