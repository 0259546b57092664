"""Beyond its slots webapp answers 503 at once, with a message, instead of queueing."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from common import metrics
from webapp.admission import SERVER_BUSY, AdmissionMiddleware


class HeldView:
    """A view that stays in flight until released."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        self.entered.set()
        await self.release.wait()
        return HttpResponse("done")


@pytest.fixture
def one_slot(settings: Any) -> Any:
    settings.WEBAPP_MAX_IN_FLIGHT = 1
    settings.WEBAPP_ADMISSION_WAIT_MS = 50
    return settings


def get(path: str, **headers: str) -> HttpRequest:
    return RequestFactory().get(path, **headers)


@pytest.mark.usefixtures("one_slot")
def test_a_request_finding_every_slot_taken_gets_503_with_retry_after() -> None:
    async def scenario() -> tuple[HttpResponse, HttpResponse]:
        view = HeldView()
        middleware = AdmissionMiddleware(view)
        first = asyncio.create_task(middleware(get("/")))
        await view.entered.wait()
        shed = await middleware(get("/tasks/", HTTP_ACCEPT="application/json"))
        view.release.set()
        return shed, await first

    shed_before = metrics.REQUESTS_SHED._value.get()
    shed, first = asyncio.run(scenario())
    assert (shed.status_code, shed["Retry-After"]) == (503, "1")
    assert json.loads(shed.content) == {"error": SERVER_BUSY}
    assert metrics.REQUESTS_SHED._value.get() == shed_before + 1
    assert first.status_code == 200


@pytest.mark.usefixtures("one_slot")
def test_a_request_that_waits_less_than_the_limit_is_served() -> None:
    async def scenario() -> HttpResponse:
        view = HeldView()
        middleware = AdmissionMiddleware(view)
        first = asyncio.create_task(middleware(get("/")))
        await view.entered.wait()
        second = asyncio.create_task(middleware(get("/")))
        await asyncio.sleep(0)  # the second is waiting for the slot
        view.release.set()
        await first
        return await second

    assert asyncio.run(scenario()).status_code == 200


@pytest.mark.usefixtures("one_slot")
def test_a_failed_request_gives_its_slot_back() -> None:
    async def failing(request: HttpRequest) -> HttpResponse:
        raise RuntimeError("a bug")

    async def scenario() -> HttpResponse:
        middleware = AdmissionMiddleware(failing)
        with pytest.raises(RuntimeError):
            await middleware(get("/"))
        middleware.get_response = HeldView()
        middleware.get_response.release.set()
        return await middleware(get("/"))

    assert asyncio.run(scenario()).status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_probes_and_metrics_are_never_shed(one_slot: Any, path: str) -> None:
    one_slot.WEBAPP_ADMISSION_WAIT_MS = 0  # any other request would be shed at once

    async def scenario() -> HttpResponse:
        view = HeldView()
        middleware = AdmissionMiddleware(view)
        first = asyncio.create_task(middleware(get("/")))
        await view.entered.wait()
        probe = asyncio.create_task(middleware(get(path)))
        view.release.set()
        await first
        return await probe

    assert asyncio.run(scenario()).status_code == 200


def test_without_a_wait_a_free_slot_is_still_taken(one_slot: Any) -> None:
    one_slot.WEBAPP_ADMISSION_WAIT_MS = 0

    async def served(request: HttpRequest) -> HttpResponse:
        return HttpResponse("done")

    assert asyncio.run(AdmissionMiddleware(served)(get("/"))).status_code == 200
