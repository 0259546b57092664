"""Hosts this service's actors in Django: the endpoints daprd calls, dispatched by the SDK.

daprd asks GET /dapr/config which actor types this app hosts, then calls methods, timers
and reminders with PUT /actors/<type>/<id>/method/... and deactivates with DELETE. The
SDK's ActorRuntime does the dispatch; the actor types register on first use, because the
SDK's actor client waits (blocking) for the sidecar, which must not happen at import or
inside GET /dapr/config, which daprd calls while starting.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from dapr.actor import Actor, ActorRuntime
from dapr.actor.runtime.config import ActorRuntimeConfig
from dapr.actor.runtime.method_dispatcher import ActorMethodNotFoundError
from dapr.serializers import DefaultJSONSerializer, Serializer
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods
from opentelemetry.trace import SpanKind

from bindings_worker.owner_actor import OwnerReminders
from bindings_worker.reminder_actor import TaskReminder
from common import dapr_names, tracing
from common.dapr import actors
from common.dapr.guards import from_sidecar

logger = logging.getLogger(__name__)

ACTOR_TYPES: dict[str, type[Actor]] = {
    dapr_names.REMINDER_ACTOR_TYPE: TaskReminder,
    dapr_names.OWNER_ACTOR_TYPE: OwnerReminders,
}
SIDECAR_TIMEOUT_SECONDS = 30


class PlainJSONSerializer(Serializer):
    """JSON as is: the SDK's default decoder turns date-like strings into datetimes."""

    def serialize(self, obj: object, custom_hook: Callable[[object], bytes] | None = None) -> bytes:
        return json.dumps(obj, separators=(",", ":")).encode()

    def deserialize(
        self,
        data: bytes,
        data_type: type | None = object,
        custom_hook: Callable[[bytes], object] | None = None,
    ) -> Any:
        return json.loads(data) if data else None


def runtime_config() -> ActorRuntimeConfig:
    config = ActorRuntimeConfig(
        actor_idle_timeout=timedelta(hours=1),
        actor_scan_interval=timedelta(seconds=30),
        drain_rebalanced_actors=True,
    )
    config.update_entities(list(ACTOR_TYPES))
    return config


_registered = False
_registering = asyncio.Lock()


async def ensure_registered() -> None:
    """Registers every actor type with the SDK's runtime once (the sidecar is up by now)."""
    global _registered
    async with _registering:
        if _registered:
            return
        serializer = PlainJSONSerializer()
        client = await actors.runtime_client(serializer, SIDECAR_TIMEOUT_SECONDS)
        for actor in ACTOR_TYPES.values():
            await ActorRuntime.register_actor(
                actor,
                message_serializer=serializer,
                state_serializer=serializer,
                actor_client=client,
            )
        _registered = True


ActorView = Callable[..., Coroutine[Any, Any, HttpResponse]]


def actor_callback(call: str) -> Callable[[ActorView], ActorView]:
    """What every call daprd makes on an actor needs: the sidecar's token, an actor type
    this app hosts (404 otherwise), the actor types registered with the SDK, and a span in
    the trace of whoever made the call (the sidecar forwards its `traceparent`), so that
    the actor's own sidecar calls (state, reminders, the SMTP binding) join that trace.

    `call` names the span: "method" (then the method's name), "reminder", "timer" or
    "deactivate"; reminder names are unique per schedule, so they go in an attribute.
    """

    def decorate(view: ActorView) -> ActorView:
        @functools.wraps(view)
        async def hosted(
            request: HttpRequest, actor_type: str, actor_id: str, **names: str
        ) -> HttpResponse:
            if actor_type not in ACTOR_TYPES:
                return JsonResponse(
                    {"error": f"actor type {actor_type!r} is not hosted here"}, status=404
                )
            await ensure_registered()
            name = f"{actor_type}.{names['name']}" if call == "method" else f"{actor_type} {call}"
            attributes = {"dapr.actor.type": actor_type, "dapr.actor.id": actor_id}
            if call != "method" and "name" in names:
                attributes[f"dapr.actor.{call}"] = names["name"]
            traceparent = request.headers.get("traceparent", "")
            with tracing.span(name, traceparent, SpanKind.INTERNAL, **attributes):
                return await view(request, actor_type, actor_id, **names)

        return from_sidecar(hosted)

    return decorate


def _failed(what: str, error: Exception) -> JsonResponse:
    logger.exception("actor call failed", extra={"call": what})
    return JsonResponse({"error": f"{what} failed: {type(error).__name__}: {error}"}, status=500)


async def _fire(what: str, fired: Awaitable[None]) -> HttpResponse:
    """Awaits a timer or reminder; a non-2xx answer makes daprd (or the scheduler) retry."""
    try:
        await fired
    except Exception as error:  # daprd needs an answer; the log has the trace
        return _failed(what, error)
    return JsonResponse({"status": "ok"})


@require_GET
@from_sidecar
async def dapr_config(request: HttpRequest) -> HttpResponse:
    body = DefaultJSONSerializer().serialize(runtime_config())
    return HttpResponse(body, content_type="application/json")


@require_http_methods(["PUT"])
@actor_callback("method")
async def actor_method(
    request: HttpRequest, actor_type: str, actor_id: str, name: str
) -> HttpResponse:
    try:
        result = await ActorRuntime.dispatch(
            actor_type, actor_id, name, request.body, request.headers.get("Dapr-Reentrancy-Id")
        )
    except ActorMethodNotFoundError:
        return JsonResponse({"error": f"{actor_type} has no method {name!r}"}, status=404)
    except Exception as error:  # daprd needs an answer; the log has the trace
        return _failed(f"{actor_type}.{name}", error)
    return HttpResponse(result, content_type="application/json")


@require_http_methods(["PUT"])
@actor_callback("reminder")
async def actor_reminder(
    request: HttpRequest, actor_type: str, actor_id: str, name: str
) -> HttpResponse:
    fired = ActorRuntime.fire_reminder(actor_type, actor_id, name, request.body)
    return await _fire(f"{actor_type} reminder {name}", fired)


@require_http_methods(["PUT"])
@actor_callback("timer")
async def actor_timer(
    request: HttpRequest, actor_type: str, actor_id: str, name: str
) -> HttpResponse:
    fired = ActorRuntime.fire_timer(actor_type, actor_id, name, request.body)
    return await _fire(f"{actor_type} timer {name}", fired)


@require_http_methods(["DELETE"])
@actor_callback("deactivate")
async def deactivate(request: HttpRequest, actor_type: str, actor_id: str) -> HttpResponse:
    try:
        await ActorRuntime.deactivate(actor_type, actor_id)
    except ValueError:
        return JsonResponse({"error": f"{actor_type}/{actor_id} is not active"}, status=404)
    return JsonResponse({"status": "deactivated"})


urlpatterns: list[URLPattern] = [
    path("dapr/config", dapr_config, name="dapr-config"),
    path(
        "actors/<str:actor_type>/<str:actor_id>/method/timer/<str:name>",
        actor_timer,
        name="actor-timer",
    ),
    path(
        "actors/<str:actor_type>/<str:actor_id>/method/remind/<str:name>",
        actor_reminder,
        name="actor-reminder",
    ),
    path(
        "actors/<str:actor_type>/<str:actor_id>/method/<str:name>",
        actor_method,
        name="actor-method",
    ),
    path("actors/<str:actor_type>/<str:actor_id>", deactivate, name="actor-deactivate"),
]
