"""Sheds load instead of queueing it: a bounded number of requests in webapp's views.

Past what the machine can serve, requests used to queue for 15 s and more, the health
probe with them: webapp's sidecar marked it unhealthy, and Kubernetes' liveness probe would
restart the pod and move its load to the others. Now a request waits up to
WEBAPP_ADMISSION_WAIT_MS for one of WEBAPP_MAX_IN_FLIGHT slots, then gets 503 with
Retry-After and a message. A retried write applies once: every write carries an
idempotency key. Probes and metrics are never shed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from asgiref.sync import markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from common import metrics
from webapp.todo.views import error

SERVER_BUSY = "The server is busy right now; try again in a moment."
NEVER_SHED = frozenset({"/healthz", "/readyz", "/metrics"})
RETRY_AFTER_SECONDS = 1


class AdmissionMiddleware:
    async_capable = True
    sync_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], Awaitable[HttpResponse]]) -> None:
        self.get_response = get_response
        self.slots = asyncio.Semaphore(settings.WEBAPP_MAX_IN_FLIGHT)
        self.wait_seconds = settings.WEBAPP_ADMISSION_WAIT_MS / 1000
        markcoroutinefunction(self)

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path in NEVER_SHED:
            return await self.get_response(request)
        if not await self._admitted():
            metrics.REQUESTS_SHED.inc()
            response = error(request, 503, SERVER_BUSY)
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        try:
            return await self.get_response(request)
        finally:
            self.slots.release()

    async def _admitted(self) -> bool:
        """Takes a slot: at once when one is free, else within the wait, else not at all."""
        if not self.slots.locked():
            await self.slots.acquire()  # returns without suspending
            return True
        try:
            await asyncio.wait_for(self.slots.acquire(), self.wait_seconds)
        except TimeoutError:
            return False
        return True
